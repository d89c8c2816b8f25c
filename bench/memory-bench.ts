// `npm run bench:memory`: the service's resident memory (RSS) as production starts it — idle after
// the start, idle after one sign-in (registration, login and code flow: the login's libraries and
// working memory are then loaded), under a short load, and idle again after it — on Postgres
// (DATABASE_URL, a fresh database) and on the embedded default (PGlite under a fresh DATA_DIR).
// Each `--variant` is an entry and the node flags to start it with:
//   tsx [flags]    `node [flags] --import tsx src/main.ts` (the service's sources through tsx)
//   built [flags]  `node [flags] dist/app/src/main.js`, the production build (scripts/build-app.mjs;
//                  run `npm run build` first), as the container and `npm start` run it
//   built@<dir> [flags]  `node [flags] <dir>/src/main.js`: another build, e.g. of a baseline commit
//                  (`node scripts/build-app.mjs --outdir dist/base` on it; inside this checkout, so
//                  that it finds node_modules), to alternate with this one
// (`--built` alone = `--variant built`; default: what `npm start` and the container run,
// `built` with the node flags of package.json's start script, bench-machine.ts SERVICE_NODE_FLAGS). With several variants and
// `--rounds N` the variants alternate within each round, so that the machine's drift hits all.
// The load cycles discovery, JWKS, client_credentials tokens and userinfo with N connections
// (autocannon, in this process), with `--logins` loops of OPAQUE logins beside it (2 by default;
// each login counts as its two requests). Each database is measured on a first start (which
// migrates it, and creates it when embedded) and on a restart on what the first left (`--starts
// first|restart|both`, default both): every start but the very first is a restart. RSS is /proc/<pid>/status VmRSS, sampled every 250 ms; the heap
// figures come from the service's own /metrics (prom-client's process and Node.js metrics).
// docs/performance.md, "Memory", has the figures.
import autocannon from "autocannon";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { loginUser } from "./auth-opaque-client.js";
import { benchUsers, codeFlow, createTenantAndClient, registerUsers } from "./auth-setup.js";
import { freePort, processCpuSeconds, SERVICE_NODE_FLAGS, stopChild } from "./bench-machine.js";
import { type BenchDatabase, createBenchDatabase } from "./database.js";

const { values: args } = parseArgs({
  options: {
    database: { type: "string", default: "both" },
    built: { type: "boolean", default: false },
    variant: { type: "string", multiple: true },
    rounds: { type: "string", default: "1" },
    idle: { type: "string", default: "10" },
    load: { type: "string", default: "10" },
    connections: { type: "string", default: "16" },
    logins: { type: "string", default: "2" },
    starts: { type: "string", default: "both" },
  },
});
const IDLE_MS = Number(args.idle) * 1000;
const LOAD_S = Number(args.load);
const CONNECTIONS = Number(args.connections);
const LOGIN_LOOPS = Number(args.logins);
const ROUNDS = Number(args.rounds);
const METRICS_TOKEN = "memory-bench-metrics-token";

/** How a server is started: `tsx` or a build (its directory), and the node flags before the entry. */
interface Variant {
  readonly name: string;
  readonly entry: "tsx" | "built";
  /** The build's directory, relative to the project's. */
  readonly buildDir: string;
  readonly flags: readonly string[];
}

const projectDir = new URL("..", import.meta.url).pathname;

function variantOf(text: string): Variant {
  const [entryText = "", ...flags] = text.trim().split(/\s+/);
  const [entry, buildDir = join("dist", "app")] = entryText.split("@");
  if (entry !== "tsx" && entry !== "built") throw new Error(`--variant must start with tsx, built or built@<dir>, got "${text}"`);
  if (entry === "built" && !existsSync(join(projectDir, buildDir, "src", "main.js"))) {
    throw new Error(`no production build in ${buildDir}: run npm run build (or scripts/build-app.mjs --outdir ${buildDir}) first`);
  }
  return { name: text.trim(), entry, buildDir, flags };
}
const variants = (args.variant ?? [args.built ? "built" : ["built", ...SERVICE_NODE_FLAGS].join(" ")]).map(variantOf);
if (!["first", "restart", "both"].includes(args.starts)) throw new Error(`--starts must be first, restart or both, got "${args.starts}"`);
const starts = args.starts === "both" ? [false, true] : [args.starts === "restart"];

function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

/** RSS sampled every 250 ms while `work` runs: the last sample and the highest. */
async function sampled(pid: number, work: Promise<unknown>): Promise<{ last: number; max: number }> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let last = rssMiB(pid);
  let max = last;
  while (!done) {
    await sleep(250);
    last = rssMiB(pid);
    max = Math.max(max, last);
  }
  await work;
  return { last, max };
}

/** The heap figures of the service's /metrics, in MiB. */
async function heapOf(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  return {
    heapUsed: value("nodejs_heap_size_used_bytes"),
    heapTotal: value("nodejs_heap_size_total_bytes"),
    external: value("nodejs_external_memory_bytes"),
  };
}

async function ready(baseUrl: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${baseUrl}/health/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
}

interface Figures {
  readonly variant: string;
  readonly database: string;
  readonly idle: number;
  /** Idle again after one registration and one sign-in (authorize, login, code exchange). */
  readonly afterLogin: number;
  /** The wall time of that first sign-in (the login's modules load on it). */
  readonly firstSignInMs: number;
  readonly load: { last: number; max: number };
  readonly afterLoad: number;
  readonly requests: number;
  /** The server's CPU time (user + system) during the load, per request. */
  readonly cpuPerRequestUs: number;
  readonly heapIdle: Record<string, number>;
  readonly heapAfterLoad: Record<string, number>;
}

/** Starts the server on `dataDir` (and `db`); a process that answers /health/ready. */
async function startServer(
  variant: Variant,
  dataDir: string,
  adminKey: string,
  db: BenchDatabase | undefined,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const grpcPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const entry = [
    ...variant.flags,
    ...(variant.entry === "built" ? [join(variant.buildDir, "src", "main.js")] : ["--import", "tsx", join("src", "main.ts")]),
  ];
  const { DATABASE_URL: _ignored, ...environment } = process.env;
  const child = spawn(process.execPath, entry, {
    cwd: projectDir,
    env: {
      ...environment,
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      HOST: "127.0.0.1",
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      METRICS_TOKEN,
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      ...(db ? { DATABASE_URL: db.url } : {}),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await ready(baseUrl, child);
  return { child, baseUrl };
}

/**
 * One server's figures. `restart`: measured on its second start, on the data directory (and
 * database) of a first one — the case of every start but the very first (the embedded database's
 * first start creates it).
 */
async function measure(variant: Variant, database: "postgres" | "embedded", restart: boolean): Promise<Figures> {
  const db = database === "postgres" ? await createBenchDatabase() : undefined;
  const dataDir = mkdtempSync(join(os.tmpdir(), "svault-memory-"));
  const adminKey = issueApiKey().key;
  if (restart) await stopChild((await startServer(variant, dataDir, adminKey, db)).child);
  const { child, baseUrl } = await startServer(variant, dataDir, adminKey, db);
  try {
    const pid = child.pid as number;
    const idle = await sampled(pid, sleep(IDLE_MS));
    const heapIdle = await heapOf(baseUrl);
    const tenantId = "memory";
    const target = { baseUrl, issuer: `${baseUrl}/${tenantId}`, tenantId };
    const client = await createTenantAndClient(target, adminKey);
    const signInStarted = performance.now();
    const [user] = benchUsers(1);
    await registerUsers(target, [user as NonNullable<typeof user>]);
    const { accessToken } = await codeFlow(target, client, user as NonNullable<typeof user>);
    const firstSignInMs = performance.now() - signInStarted;
    const afterLogin = await sampled(pid, sleep(IDLE_MS));
    const run = autocannon({
      url: baseUrl,
      connections: CONNECTIONS,
      duration: LOAD_S,
      requests: [
        { method: "GET", path: `/${tenantId}/.well-known/openid-configuration` },
        { method: "GET", path: `/${tenantId}/.well-known/jwks.json` },
        {
          method: "POST",
          path: `/${tenantId}/token`,
          headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=client_credentials",
        },
        { method: "GET", path: `/${tenantId}/userinfo`, headers: { authorization: `Bearer ${accessToken}` } },
      ],
    });
    const cpuBefore = processCpuSeconds(pid);
    // Beside it, LOGIN_LOOPS sequential logins (Get Challenge + Authenticate, OPAQUE) until it ends:
    // the login's working memory is part of the load.
    let loading = true;
    let logins = 0;
    const loginLoops = Array.from({ length: LOGIN_LOOPS }, async () => {
      while (loading) {
        await loginUser(baseUrl, target.issuer, tenantId, user as NonNullable<typeof user>);
        logins++;
      }
    });
    const finished = Promise.resolve(run).finally(() => {
      loading = false;
    });
    const load = await sampled(pid, finished);
    const result = await finished;
    await Promise.all(loginLoops);
    const cpuSeconds = processCpuSeconds(pid) - cpuBefore;
    if (result.non2xx + result.errors > 0) process.stderr.write(`load: ${result.non2xx} non-2xx, ${result.errors} errors\n`);
    const afterLoad = await sampled(pid, sleep(IDLE_MS));
    const heapAfterLoad = await heapOf(baseUrl);
    const requests = result["2xx"] + result.non2xx + 2 * logins;
    return {
      variant: variant.name,
      database: restart ? `${database}, restarted` : database,
      idle: idle.last,
      afterLogin: afterLogin.last,
      firstSignInMs,
      load,
      afterLoad: afterLoad.last,
      requests,
      cpuPerRequestUs: (cpuSeconds / requests) * 1e6,
      heapIdle,
      heapAfterLoad,
    };
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  }
}

const databases = args.database === "both" ? (["postgres", "embedded"] as const) : [args.database as "postgres" | "embedded"];
const rows: Figures[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of variants) {
    for (const database of databases) {
      for (const restart of starts) rows.push(await measure(variant, database, restart));
      process.stderr.write(`round ${round}: ${variant.name}, ${database} done\n`);
    }
  }
}
const fixed = (n: number) => n.toFixed(0);
const load = os
  .loadavg()
  .map((n) => n.toFixed(2))
  .join(" ");
console.log(
  `tsx = node --import tsx src/main.ts, built = node dist/app/src/main.js, built@<dir> = node <dir>/src/main.js; NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ""}; ${ROUNDS} round(s); load ${LOAD_S} s × ${CONNECTIONS} connections + ${LOGIN_LOOPS} login loops; load average at the end ${load}`,
);
console.log(
  "| variant | database | idle RSS MiB (heap used / total, external) | after one sign-in (its ms) | under load, max RSS | idle after load (heap used / total) | requests | server CPU µs/request |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const row of rows) {
  const { heapIdle: idle, heapAfterLoad: after } = row;
  console.log(
    `| ${row.variant} | ${row.database} | ${fixed(row.idle)} (${fixed(idle.heapUsed as number)} / ${fixed(idle.heapTotal as number)}, ${fixed(idle.external as number)}) | ${fixed(row.afterLogin)} (${fixed(row.firstSignInMs)}) | ${fixed(row.load.max)} | ${fixed(row.afterLoad)} (${fixed(after.heapUsed as number)} / ${fixed(after.heapTotal as number)}) | ${row.requests} | ${fixed(row.cpuPerRequestUs)} |`,
  );
}
