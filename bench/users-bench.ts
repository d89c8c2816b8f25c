// `npm run bench:users`: List Users and Get User By Name at scale. Creates a fresh Postgres
// database, starts the real server (`src/main.ts`) in a child process, seeds 1,000,000 users into
// one tenant with one `insert … select from generate_series` (whose statement trigger counts them
// into tenant_user_count), then measures sequential REST requests (one in flight, keep-alive) and
// reports p50/p99 per scenario, plus the EXPLAIN plans of the list queries and the machine's load
// average around the measurements (other processes skew the latencies). Writes
// bench/results/users.md and prints it. BENCH_USERS (default 1000000) and BENCH_USERS_REQUESTS
// (default 1000 per scenario) override the sizes. BENCH_USERS_COMPARE_DIR=<another checkout> also
// starts that checkout's server on the same database and sends each request to both, in turns
// (which goes first flips every request), so that whatever else loads the machine falls on both
// alike: the way to compare two versions on a busy machine, where runs one after the other
// differ more than the versions do.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import pg from "pg";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createBenchDatabase } from "./database.js";

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_USERS_REQUESTS ?? 1000);
const COMPARE_DIR = process.env.BENCH_USERS_COMPARE_DIR;
const WARMUP = Math.max(50, Math.round(REQUESTS / 10));
const TENANT = "bench";
const projectDir = new URL("..", import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`${text}\n`);

const database = await createBenchDatabase();
const adminKey = issueApiKey().key;
const kek = randomBytes(32).toString("base64");
const servers: ChildProcess[] = [];
// The servers' DATA_DIRs, removed at the end.
const dataDirs: string[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the server did not come up");
}

/** Starts the server of the checkout in `dir` on the bench's database; answers its base URL. */
async function startServer(dir: string): Promise<string> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dataDir = mkdtempSync(join(os.tmpdir(), "svault-users-bench-"));
  dataDirs.push(dataDir);
  servers.push(
    spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: dir,
      env: {
        ...process.env,
        PORT: String(port),
        GRPC_PORT: String(port + 1),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        SVAULT_KEK: kek,
        SVAULT_BOOTSTRAP_API_KEY: adminKey,
        LOG_LEVEL: "warn",
        SVAULT_ENV: "bench",
      },
      stdio: ["ignore", "ignore", "inherit"],
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base);
  return base;
}

interface Scenario {
  readonly label: string;
  readonly path: () => string;
}

const pad = (n: number) => String(n).padStart(7, "0");
const random = (n: number) => 1 + Math.floor(Math.random() * n);
// Usernames are user0000001 … user1000000; a 9-character prefix (user + 5 digits) matches 100.
const prefix = () => `user${pad(random(USERS)).slice(0, 5)}`;

const scenarios: Scenario[] = [
  { label: "List Users, no filter (newest first, limit 10; total of all 1M)", path: () => `/api/v1/tenants/${TENANT}/users` },
  {
    label: "List Users, no filter, sort_by=username asc, offset 100",
    path: () => `/api/v1/tenants/${TENANT}/users?sort_by=username&sort_direction=1&offset=100`,
  },
  { label: "List Users, username prefix (100 matches), newest first", path: () => `/api/v1/tenants/${TENANT}/users?username=${prefix()}` },
  {
    label: "List Users, username prefix (100 matches), sort_by=username",
    path: () => `/api/v1/tenants/${TENANT}/users?username=${prefix()}&sort_by=username&sort_direction=1`,
  },
  {
    label: "List Users, e-mail prefix (100 matches), sort_by=email, limit 50",
    path: () => `/api/v1/tenants/${TENANT}/users?email=${prefix()}&sort_by=email&limit=50`,
  },
  { label: "List Users, username prefix with one match", path: () => `/api/v1/tenants/${TENANT}/users?username=user${pad(random(USERS))}` },
  { label: "Get User By Name", path: () => `/api/v1/tenants/${TENANT}/users/by-name/USER${pad(random(USERS))}` },
];

interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The scenario's latencies at each server: every request goes to all of them, in turns. */
async function measure(scenario: Scenario, bases: readonly string[]): Promise<Latencies[]> {
  const headers = { "x-api-key": adminKey };
  const times = bases.map((): number[] => []);
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const path = scenario.path();
    const order = bases.map((_, index) => index);
    if (i % 2 === 1) order.reverse();
    for (const index of order) {
      const started = performance.now();
      const res = await fetch(`${bases[index]}${path}`, { headers });
      const body = await res.text();
      const elapsed = performance.now() - started;
      if (res.status !== 200) throw new Error(`${scenario.label}: ${res.status} ${body}`);
      if (i >= WARMUP) times[index]?.push(elapsed);
    }
  }
  return times.map((sorted) => {
    sorted.sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] as number };
  });
}

try {
  const base = await startServer(projectDir);
  const created = await fetch(`${base}/api/v1/tenants`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify({ tenant_id: TENANT }),
  });
  if (created.status !== 201) throw new Error(`creating the tenant: ${created.status} ${await created.text()}`);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  log(`seeding ${USERS} users…`);
  const seedStarted = performance.now();
  await client.query(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
       locale, roles, external_id, created_at, updated_at)
     select gen_random_uuid(), $1, 'User' || lpad(i::text, 7, '0'), 'user' || lpad(i::text, 7, '0'),
       'user' || lpad(i::text, 7, '0') || '@example.com', 'user' || lpad(i::text, 7, '0') || '@example.com', false, i % 3 = 0,
       '', '[]'::jsonb, null, now() - make_interval(secs => $2 - i), now()
     from generate_series(1, $2::int) as i`,
    [TENANT, USERS],
  );
  await client.query("vacuum analyze app_user");
  // Flush the seed's WAL now, so that its checkpoint does not land in a measurement.
  await client.query("checkpoint");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s (with vacuum analyze)`);

  const plans: string[] = [];
  const explain = async (label: string, sql: string, params: unknown[]) => {
    const { rows } = await client.query(`explain (analyze, buffers off, costs off, timing off, summary on) ${sql}`, params);
    plans.push(`-- ${label}\n${rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
  };
  const cols = "id, username, email, created_at";
  await explain("newest first, no filter", `select ${cols} from app_user where tenant_id = $1 order by created_at desc, id desc limit 11`, [
    TENANT,
  ]);
  await explain(
    "username prefix, newest first",
    `select ${cols} from app_user where tenant_id = $1 and username_normalized collate "C" like $2 escape '\\' order by created_at desc, id desc limit 11`,
    [TENANT, "user00123%"],
  );
  await explain(
    "username prefix, by username",
    `select ${cols} from app_user where tenant_id = $1 and username_normalized collate "C" like $2 escape '\\' order by username_normalized collate "C" asc, id asc limit 11`,
    [TENANT, "user00123%"],
  );
  await explain(
    "e-mail prefix, by e-mail",
    `select ${cols} from app_user where tenant_id = $1 and email_normalized collate "C" like $2 escape '\\' order by email_normalized collate "C" desc nulls first, id desc limit 51`,
    [TENANT, "user00123%"],
  );
  await explain(
    "count with username prefix",
    `select count(*) from app_user where tenant_id = $1 and username_normalized collate "C" like $2 escape '\\'`,
    [TENANT, "user00123%"],
  );
  await explain("total without filter: the tenant's counter", "select users from tenant_user_count where tenant_id = $1", [TENANT]);
  await explain("count without filter (what the counter replaces)", "select count(*) from app_user where tenant_id = $1", [TENANT]);
  await client.end();

  // The other checkout's server migrates nothing new: both run main's migrations on one database.
  const bases = COMPARE_DIR ? [base, await startServer(COMPARE_DIR)] : [base];
  const loadBefore = os.loadavg();
  const results: { label: string; latencies: Latencies[] }[] = [];
  for (const scenario of scenarios) {
    log(`measuring: ${scenario.label}`);
    results.push({ label: scenario.label, latencies: await measure(scenario, bases) });
  }
  const loadAfter = os.loadavg();
  const loads = (l: number[]) => l.map((n) => n.toFixed(2)).join(" / ");

  const ms = (n: number) => n.toFixed(2);
  const columns = (l: Latencies | undefined) => (l ? `${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)}` : "");
  const comparison = COMPARE_DIR
    ? `- Compared with the server of \`${COMPARE_DIR}\` (BENCH_USERS_COMPARE_DIR) on the same database: each request went to both
  servers in turns, which one first flipping every request ("this" is ${projectDir})
`
    : "";
  const report = `# Users benchmark (\`npm run bench:users\`)

- ${USERS.toLocaleString("en-US")} users in one tenant, seeded in ${seedSeconds.toFixed(1)} s (one \`insert … select from generate_series\`, then \`vacuum analyze\` and \`checkpoint\`)
- ${REQUESTS} measured requests per scenario after ${WARMUP} warm-up requests; one request in flight, REST over HTTP/1.1 keep-alive,
  against the real server (\`src/main.ts\`, child process) on the same machine; latency = client-side round trip
- Machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, ${database.serverVersion.split(" on ")[0]}
- Date: ${new Date().toISOString()}
- Load average (1 / 5 / 15 min) when the measurements started: ${loads(loadBefore)}; when they ended: ${loads(loadAfter)}
${comparison}
${
  COMPARE_DIR
    ? "| scenario | this p50 ms | this p99 ms | this max ms | compared p50 ms | compared p99 ms | compared max ms |\n|---|---:|---:|---:|---:|---:|---:|"
    : "| scenario | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|"
}
${results.map((r) => `| ${r.label} | ${r.latencies.map(columns).join(" | ")} |`).join("\n")}

Every list answer carries \`total_count\`. With a username or e-mail filter it is a \`count(*)\`
over the matching rows, an index range scan; without a filter it is the tenant's row in
\`tenant_user_count\`, which triggers on \`app_user\` keep (one primary-key lookup instead of a
scan of the tenant's rows: see "count without filter" below for what it replaces).

## Query plans (EXPLAIN ANALYZE)

\`\`\`
${plans.join("\n\n")}
\`\`\`
`;
  writeFileSync(new URL("results/users.md", import.meta.url), report);
  process.stdout.write(report);
} finally {
  for (const server of servers) server.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 500));
  await database.drop();
  for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
}
