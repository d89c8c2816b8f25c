// kill -9 under concurrent refresh-token chains (issue 14): does a crash ever cost a client its
// refresh-token chain, or leave one token with two live successors?
//
// Each run: a fresh Postgres database; the real service (`node --import tsx src/main.ts`) as a
// child process; N users' authorization-code flows through the API (authorize → login → Sign In
// → token), each the head of a refresh-token chain; then every chain refreshes in a loop over real
// HTTP while the service is killed with SIGKILL at random moments and started again. A chain's
// client behaves as a real one: when a token request gets no answer (connection reset or refused)
// or a 5xx, it waits (exponential backoff) and sends the same refresh token again; any 4xx ends the
// chain — that is the user being logged out.
//
// After the last restart every chain that is still running presents its newest token once more.
// Reported per run:
//   - chains lost: chains that got a 4xx (invalid_grant) at any point, or whose newest token no
//     longer refreshes at the end, and after which kill;
//   - double-spent: token families (one per chain) with more than one live refresh token — two valid
//     successors of one token — read from the database at the end;
//   - requests sent again after no answer (each poll while the service restarts counts);
//   - re-presented within the reuse grace: successors replaced because their predecessor was
//     presented again (the rotation had committed, its answer was lost; docs/oidc.md).
//
// Usage: npm run bench:crash-refresh -- [--chains 20] [--kills 5] [--runs 3] [--min-ms 200] [--max-ms 1500]
// Exits 1 when a chain was lost or a family was double-spent.
import { randomBytes, randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { freePort } from "../test/support/test-server.js";
import { type ServerProcess, startServerProcess } from "../test/support/server-process.js";
import { benchUsers, codeFlow, createTenantAndClient, inBatches, registerUsers, type BenchClient, type Target } from "./auth-setup.js";
import { createBenchDatabase } from "./database.js";

const { values: args } = parseArgs({
  options: {
    chains: { type: "string", default: "20" },
    kills: { type: "string", default: "5" },
    runs: { type: "string", default: "3" },
    "min-ms": { type: "string", default: "200" },
    "max-ms": { type: "string", default: "1500" },
  },
});
const CHAINS = Number(args.chains);
const KILLS = Number(args.kills);
const RUNS = Number(args.runs);
const MIN_MS = Number(args["min-ms"]);
const MAX_MS = Number(args["max-ms"]);
const TENANT = "crash";
/** How long a client keeps retrying one request before it gives up (the service restarts in seconds). */
const RETRY_FOR_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  process.stderr.write(`[bench:crash-refresh] ${message}\n`);
}

interface ServiceEnv {
  readonly env: Record<string, string>;
  readonly baseUrl: string;
}

async function startService(service: ServiceEnv): Promise<ServerProcess> {
  const started = startServerProcess(service.env);
  // A benchmark, unlike a test, has no runner to end a start-up that hangs: it gives up itself.
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the service did not start within ${RETRY_FOR_MS} ms`)), RETRY_FOR_MS);
  });
  try {
    await Promise.race([started.waitForLog((line) => line.msg === "listening"), tooLong]);
  } finally {
    clearTimeout(timer);
  }
  return started;
}

type Outcome = { kind: "ok"; refreshToken: string } | { kind: "lost-answer" } | { kind: "refused"; status: number; body: string };

async function refresh(target: Target, client: BenchClient, refreshToken: string): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(`${target.issuer}/token`, {
      method: "POST",
      headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
    });
  } catch {
    return { kind: "lost-answer" };
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return { kind: "lost-answer" };
  }
  if (res.status >= 500) return { kind: "lost-answer" };
  if (res.status !== 200) return { kind: "refused", status: res.status, body: text };
  const next = (JSON.parse(text) as { refresh_token?: string }).refresh_token;
  if (!next) throw new Error(`a refresh answered no refresh_token: ${text}`);
  return { kind: "ok", refreshToken: next };
}

interface Chain {
  token: string;
  refreshes: number;
  retried: number;
  lost?: string;
  /** The number of kills before the chain was lost (0: before the first). */
  lostAfterKill?: number;
}

/** One client: refreshes until `stop()`; sends the same token again after a lost answer, as a real client does. */
async function runChain(chain: Chain, target: Target, client: BenchClient, stopped: () => boolean, kills: () => number): Promise<void> {
  let backoff = 50;
  let failingSince: number | undefined;
  while (!stopped()) {
    const outcome = await refresh(target, client, chain.token);
    if (outcome.kind === "ok") {
      chain.token = outcome.refreshToken;
      chain.refreshes++;
      backoff = 50;
      failingSince = undefined;
    } else if (outcome.kind === "lost-answer") {
      chain.retried++;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > RETRY_FOR_MS) {
        chain.lost = "no answer for two minutes";
        return;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 1000);
    } else {
      chain.lost = `after kill ${kills()}: ${outcome.status} ${outcome.body}`;
      chain.lostAfterKill = kills();
      return;
    }
  }
}

interface DatabaseFindings {
  /** Families with more than one live refresh token: two valid successors of one token. */
  readonly doubleSpent: number;
  /** Successors replaced because their predecessor was presented again within the reuse grace (undefined: no such column, old schema). */
  readonly reissued: number | undefined;
}

async function databaseFindings(databaseUrl: string): Promise<DatabaseFindings> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const doubled = await db.query<{ families: string }>(
      `select count(*) as families from (
         select r.family_id from refresh_token r join token_family f on f.id = r.family_id
         where r.rotated_at is null and r.expires_at > now() and f.revoked_at is null
         group by r.family_id having count(*) > 1) doubled`,
    );
    const hasSuccessors = await db.query(
      "select 1 from information_schema.columns where table_name = 'refresh_token' and column_name = 'successor_hash'",
    );
    // A superseded successor is the only kind of rotated token that names no successor.
    const reissued =
      hasSuccessors.rows.length === 0
        ? undefined
        : Number(
            (
              await db.query<{ n: string }>(
                "select count(*) as n from refresh_token where rotated_at is not null and successor_hash is null",
              )
            ).rows[0]?.n ?? 0,
          );
    return { doubleSpent: Number(doubled.rows[0]?.families ?? 0), reissued };
  } finally {
    await db.end();
  }
}

interface RunResult {
  readonly refreshes: number;
  readonly retried: number;
  readonly lost: number;
  /** Chains lost before the first kill, after the first, … after the last. */
  readonly lostPerKill: number[];
  readonly findings: DatabaseFindings;
  readonly killDelaysMs: number[];
}

async function run(index: number): Promise<RunResult> {
  const database = await createBenchDatabase();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = issueApiKey().key;
  const serviceEnv: ServiceEnv = {
    baseUrl,
    env: {
      DATABASE_URL: database.url,
      PORT: String(port),
      GRPC_PORT: "0",
      PUBLIC_URL: baseUrl,
      SVAULT_KEK: randomBytes(32).toString("base64"),
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      LOG_LEVEL: "info",
    },
  };
  let service: ServerProcess | undefined;
  try {
    service = await startService(serviceEnv);
    const target: Target = { baseUrl, issuer: `${baseUrl}/${TENANT}`, tenantId: TENANT };
    const client = await createTenantAndClient(target, adminKey);
    const users = benchUsers(Math.min(CHAINS, 10));
    await registerUsers(target, users);
    const heads = await inBatches(
      Array.from({ length: CHAINS }, (_, i) => users[i % users.length]),
      4,
      (user) => codeFlow(target, client, user as (typeof users)[number]),
    );
    const chains: Chain[] = heads.map((head) => ({ token: head.refreshToken, refreshes: 0, retried: 0 }));
    log(`run ${index}: database ${database.name}, ${CHAINS} chains ready on ${baseUrl}`);

    let stop = false;
    let kills = 0;
    const running = chains.map((chain) =>
      runChain(
        chain,
        target,
        client,
        () => stop,
        () => kills,
      ),
    );
    const killDelaysMs: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const delay = randomInt(MIN_MS, MAX_MS + 1);
      killDelaysMs.push(delay);
      await sleep(delay);
      const before = chains.reduce((sum, c) => sum + c.refreshes, 0);
      service.child.kill("SIGKILL");
      kills = kill;
      await service.exited();
      log(`run ${index}: kill ${kill} after ${delay} ms (${before} refreshes so far); restarting`);
      service = await startService(serviceEnv);
    }
    // Let every chain get through at least one more refresh on the last instance.
    const atLastStart = chains.map((c) => c.refreshes);
    while (chains.some((c, i) => !c.lost && c.refreshes === atLastStart[i])) await sleep(50);
    stop = true;
    await Promise.all(running);

    for (const chain of chains.filter((c) => !c.lost)) {
      const last = await refresh(target, client, chain.token);
      if (last.kind !== "ok") {
        chain.lost = `the newest token no longer refreshes: ${JSON.stringify(last)}`;
        chain.lostAfterKill = KILLS;
      }
    }
    for (const [i, chain] of chains.entries()) if (chain.lost) log(`run ${index}: chain ${i} lost: ${chain.lost.slice(0, 200)}`);
    return {
      refreshes: chains.reduce((sum, c) => sum + c.refreshes, 0),
      retried: chains.reduce((sum, c) => sum + c.retried, 0),
      lost: chains.filter((c) => c.lost).length,
      lostPerKill: Array.from({ length: KILLS + 1 }, (_, k) => chains.filter((c) => c.lostAfterKill === k).length),
      findings: await databaseFindings(database.url),
      killDelaysMs,
    };
  } finally {
    if (service && service.child.exitCode === null) await service.stop();
    await database.drop();
  }
}

const results: RunResult[] = [];
for (let i = 1; i <= RUNS; i++) {
  const result = await run(i);
  results.push(result);
  log(`run ${i}: ${result.lost} of ${CHAINS} chains lost, ${result.findings.doubleSpent} double-spent`);
}

const lines = [
  `kill -9 under ${CHAINS} concurrent refresh-token chains, ${KILLS} kills per run (after ${MIN_MS}–${MAX_MS} ms of load each)`,
  "",
  "| run | refreshes | requests sent again after no answer | re-presented within the reuse grace | chains lost (after kill 1, 2, …) | families double-spent |",
  "|---:|---:|---:|---:|---:|---:|",
  ...results.map(
    (r, i) =>
      `| ${i + 1} | ${r.refreshes} | ${r.retried} | ${r.findings.reissued ?? "n/a"} | ` +
      `${r.lost} of ${CHAINS} (${r.lostPerKill.slice(1).join(", ")}) | ${r.findings.doubleSpent} |`,
  ),
];
process.stdout.write(`${lines.join("\n")}\n`);
process.exit(results.some((r) => r.lost > 0 || r.findings.doubleSpent > 0) ? 1 : 0);
