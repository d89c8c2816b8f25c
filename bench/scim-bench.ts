// `npm run bench:scim`: what a provisioning client does, at 1,000,000 users in one tenant. Creates
// a fresh Postgres database, starts the real server (`src/main.ts`) in a child process, seeds the
// users (userName, externalId and a SCIM profile with displayName) with `insert … select from
// generate_series` in chunks of 50,000, 10,000 groups one of which has 10,000 members; VACUUM
// ANALYZEs every table and waits for autovacuum to be idle; then measures sequential SCIM
// requests (one in flight, keep-alive, `Authorization: Bearer <key>`): the look-ups Entra ID and
// Okta make (`userName eq`, `externalId eq`, a group's `displayName eq`), a PATCH of one
// attribute, and a PATCH adding one member to the 10,000-member group. Reports p50/p99, the CPU
// time per request of the server, of its Postgres backends and of this client, and the EXPLAIN
// plans of the look-ups, in bench/results/scim.md.
//
// A/B: BENCH_SCIM_BASELINE=<project directory of another version, with its node_modules> starts
// that version's server too, on the same database, and measures both in alternating rounds
// (A B, B A, A B, …), so that both see the same moments of a shared machine;
// BENCH_SCIM_BASELINE_LABEL names it in the report.
//
// BENCH_SCIM_USERS (default 1000000), BENCH_SCIM_GROUPS (10000), BENCH_SCIM_REQUESTS (measured
// requests per scenario and server, default 500), BENCH_SCIM_ROUNDS (5), BENCH_SCIM_WARMUP
// (warm-up requests per scenario and server, default 1000: V8 optimises the request path only
// after some thousands of requests), BENCH_SCIM_CPU_PROF=<dir> (run the servers with
// `node --cpu-prof`; summarise with bench/cpu-profile-summary.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { backendCpuDelta, backendCpuSeconds, processCpuSeconds } from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";
import { monotonicMicros } from "./cpu-profile.js";

const USERS = Number(process.env.BENCH_SCIM_USERS ?? 1_000_000);
const GROUPS = Math.max(1, Number(process.env.BENCH_SCIM_GROUPS ?? 10_000));
const REQUESTS = Number(process.env.BENCH_SCIM_REQUESTS ?? 500);
const ROUNDS = Math.max(1, Number(process.env.BENCH_SCIM_ROUNDS ?? 5));
const WARMUP = Number(process.env.BENCH_SCIM_WARMUP ?? 1000);
const BASELINE = process.env.BENCH_SCIM_BASELINE;
/** What the report calls the baseline (e.g. "main at 1e7f911"); its directory by default. */
const BASELINE_LABEL = process.env.BENCH_SCIM_BASELINE_LABEL;
const CPU_PROF = process.env.BENCH_SCIM_CPU_PROF;
const GROUP_MEMBERS = Math.min(10_000, Math.floor(USERS / 2));
const TENANT = "bench";
const GROUP_ID = "00000000-0000-4000-8000-000000000001";
const projectDir = new URL("..", import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`${text}\n`);

const database = await createBenchDatabase();
const adminKey = issueApiKey().key;
const kek = randomBytes(32).toString("base64");
const servers: ChildProcess[] = [];
const dataDir = mkdtempSync(join(os.tmpdir(), "svault-scim-bench-"));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Server {
  readonly name: string;
  readonly dir: string;
  readonly pid: number;
  readonly agent: http.Agent;
  readonly port: number;
}

async function startServer(name: string, dir: string): Promise<Server> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const ownData = join(dataDir, name);
  mkdirSync(ownData);
  const profiling = CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${resolve(CPU_PROF, name)}`] : [];
  const child = spawn(process.execPath, [...profiling, "--import", "tsx", "src/main.ts"], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      GRPC_PORT: String(port + 1),
      HOST: "127.0.0.1",
      DATA_DIR: ownData,
      DATABASE_URL: database.url,
      SVAULT_KEK: kek,
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      LOG_LEVEL: "warn",
      SVAULT_ENV: "bench",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  servers.push(child);
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) {
        return { name, dir, pid: child.pid as number, port, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
      }
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the server in ${dir} did not come up`);
}

/** One request over the server's keep-alive connection: its status and body. */
function send(server: Server, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        agent: server.agent,
        method,
        path: `/scim/v2/${TENANT}${path}`,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(payload ? { "content-type": "application/scim+json", "content-length": Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(payload);
  });
}

const pad = (n: number, width = 7) => String(n).padStart(width, "0");
const random = (n: number) => 1 + Math.floor(Math.random() * n);

interface Scenario {
  readonly label: string;
  readonly request: () => { method: string; path: string; body?: unknown };
  readonly status: number;
}

interface Sample {
  readonly times: number[];
  serverCpu: number;
  postgresCpu: number;
  clientCpu: number;
}

try {
  // This tree's server first: it migrates the new database and bootstraps it.
  const measured: Server[] = [await startServer("this", projectDir)];
  if (BASELINE) measured.unshift(await startServer("baseline", resolve(BASELINE)));
  const [first] = measured as [Server];
  const base = `http://127.0.0.1:${first.port}`;
  const created = await fetch(`${base}/api/v1/tenants`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify({ tenant_id: TENANT }),
  });
  if (created.status !== 201) throw new Error(`creating the tenant: ${created.status} ${await created.text()}`);

  log(`seeding ${USERS} users, ${GROUPS} groups, one of ${GROUP_MEMBERS} members…`);
  const seedStarted = performance.now();
  // In chunks of 50,000 rows: shorter statements for a machine shared with other work.
  const seeder = new pg.Client({ connectionString: database.url });
  // The database is dropped WITH (FORCE) at the end, also after a failure: that ends the connections.
  seeder.on("error", () => undefined);
  await seeder.connect();
  for (let from = 1; from <= USERS; from += 50_000) {
    await seeder.query(
      `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
         locale, roles, external_id, scim_profile, created_at, updated_at)
       select gen_random_uuid(), $1, 'User' || lpad(i::text, 7, '0') || '@example.com', 'user' || lpad(i::text, 7, '0') || '@example.com',
         'user' || lpad(i::text, 7, '0') || '@example.com', 'user' || lpad(i::text, 7, '0') || '@example.com', false, true,
         '', '[]'::jsonb, 'ext-' || i, jsonb_build_object('displayName', 'User ' || i, 'title', 'Engineer'),
         now() - make_interval(secs => $4 - i), now()
       from generate_series($2::int, $3::int) as i`,
      [TENANT, from, Math.min(USERS, from + 49_999), USERS],
    );
  }
  await seeder.query(
    `insert into user_group (id, tenant_id, display_name, external_id, version, created_at, updated_at)
     values ($1, $2, 'All Engineers', 'ext-group', 1, now(), now())`,
    [GROUP_ID, TENANT],
  );
  // The other groups, created over the last days: a tenant of this size has many.
  await seeder.query(
    `insert into user_group (id, tenant_id, display_name, external_id, version, created_at, updated_at)
     select gen_random_uuid(), $1, 'Team ' || lpad(i::text, 5, '0'), 'ext-team-' || i, 1,
       now() - make_interval(secs => i * 60), now()
     from generate_series(1, $2::int) as i`,
    [TENANT, GROUPS - 1],
  );
  await seeder.query(
    `insert into user_group_member (tenant_id, group_id, user_id)
     select $1::varchar, $2::uuid, id from app_user
     where tenant_id = $1::varchar and username_normalized <= 'user' || lpad($3::text, 7, '0') || '@example.com'`,
    [TENANT, GROUP_ID, GROUP_MEMBERS],
  );
  // Every table's statistics and visibility map, as a database that has been running for a while
  // has them; then no autovacuum worker may start on the bulk load while the measurement runs.
  await seeder.query("vacuum analyze");
  for (let i = 0; i < 600; i++) {
    const { rows } = await seeder.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where backend_type = 'autovacuum worker' and datname = current_database()",
    );
    if (Number(rows[0]?.n) === 0) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  await seeder.query("checkpoint");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);
  // Users that are not members yet, in a random order: each membership PATCH adds a new one.
  const membershipAdds = (WARMUP + REQUESTS) * measured.length;
  const { rows: outsiders } = await seeder.query<{ id: string }>(
    `select id from app_user where tenant_id = $1 and username_normalized > 'user' || lpad($2::text, 7, '0') || '@example.com'
     order by random() limit $3`,
    [TENANT, GROUP_MEMBERS, membershipAdds],
  );
  if (outsiders.length < membershipAdds) throw new Error(`only ${outsiders.length} users to add to the group, ${membershipAdds} needed`);
  const { rows: someUsers } = await seeder.query<{ id: string }>(
    "select id from app_user where tenant_id = $1 order by random() limit 1000",
    [TENANT],
  );

  const plans: string[] = [];
  const explain = async (label: string, sql: string, params: unknown[]) => {
    const { rows } = await seeder.query(`explain (analyze, buffers off, costs off, timing off, summary on) ${sql}`, params);
    plans.push(`-- ${label}\n${rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
  };
  const page = "order by created_at asc, id asc limit 100 offset 0";
  await explain("userName eq", `select id from app_user where tenant_id = $1 and (username_normalized = $2) ${page}`, [
    TENANT,
    "user0123456@example.com",
  ]);
  await explain("externalId eq", `select id from app_user where tenant_id = $1 and (external_id = $2) ${page}`, [TENANT, "ext-123456"]);
  await explain(
    "displayName eq (user)",
    `select id from app_user where tenant_id = $1 and (lower((scim_profile ->> 'displayName')) = lower($2)) ${page}`,
    [TENANT, "user 123456"],
  );
  await explain(
    `group displayName eq (1 of ${GROUPS.toLocaleString("en-US")} groups)`,
    `select id from user_group where tenant_id = $1 and (lower(display_name) = lower($2)) order by created_at asc, id asc limit 100`,
    [TENANT, "team 01234"],
  );
  await seeder.end();

  let outsider = 0;
  const groupName = () => {
    const n = random(GROUPS) - 1;
    return n === 0 ? "all engineers" : `team ${pad(n, 5)}`;
  };
  const scenarios: Scenario[] = [
    {
      label: `GET /Users?filter=userName eq "…" (1 of ${USERS.toLocaleString("en-US")})`,
      status: 200,
      request: () => ({
        method: "GET",
        path: `/Users?filter=${encodeURIComponent(`userName eq "USER${pad(random(USERS))}@example.com"`)}`,
      }),
    },
    {
      label: 'GET /Users?filter=externalId eq "…"',
      status: 200,
      request: () => ({ method: "GET", path: `/Users?filter=${encodeURIComponent(`externalId eq "ext-${random(USERS)}"`)}` }),
    },
    {
      label: `GET /Groups?filter=displayName eq "…"&excludedAttributes=members (1 of ${GROUPS.toLocaleString("en-US")})`,
      status: 200,
      request: () => ({
        method: "GET",
        path: `/Groups?filter=${encodeURIComponent(`displayName eq "${groupName()}"`)}&excludedAttributes=members`,
      }),
    },
    {
      label: "PATCH /Users/{id}: replace one attribute",
      status: 200,
      request: () => ({
        method: "PATCH",
        path: `/Users/${someUsers[random(someUsers.length) - 1]?.id}`,
        body: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "Replace", path: "title", value: `T${random(1000)}` }],
        },
      }),
    },
    {
      label: `PATCH /Groups/{id}: add one member to the ${GROUP_MEMBERS.toLocaleString("en-US")}-member group`,
      status: 204,
      request: () => ({
        method: "PATCH",
        path: `/Groups/${GROUP_ID}`,
        body: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "Add", path: "members", value: [{ value: outsiders[outsider++]?.id }] }],
        },
      }),
    },
  ];

  /** Runs `count` requests of a scenario on a server; the latencies and CPU times go to `sample` (when measuring). */
  const run = async (server: Server, scenario: Scenario, count: number, sample?: Sample) => {
    const serverBefore = processCpuSeconds(server.pid);
    const postgresBefore = backendCpuSeconds(database.name);
    const clientBefore = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const { method, path, body } = scenario.request();
      const started = performance.now();
      const res = await send(server, method, path, body);
      const elapsed = performance.now() - started;
      if (res.status !== scenario.status) throw new Error(`${server.name}: ${scenario.label}: ${res.status} ${res.text}`);
      sample?.times.push(elapsed);
    }
    if (!sample) return;
    const client = process.cpuUsage(clientBefore);
    sample.serverCpu += processCpuSeconds(server.pid) - serverBefore;
    sample.postgresCpu += backendCpuDelta(postgresBefore, backendCpuSeconds(database.name));
    sample.clientCpu += (client.user + client.system) / 1e6;
  };

  // Warm-up: every scenario on every server, interleaved, until the JIT has optimised the path.
  log(`warming up: ${WARMUP} requests per scenario and server…`);
  const warmupStep = Math.max(1, Math.round(WARMUP / 10));
  for (let done = 0; done < WARMUP; done += warmupStep) {
    for (const server of measured) for (const scenario of scenarios) await run(server, scenario, Math.min(warmupStep, WARMUP - done));
  }

  const samples = new Map<string, Sample>();
  const sampleOf = (server: Server, scenario: Scenario) => {
    const key = `${server.name}\u0000${scenario.label}`;
    let sample = samples.get(key);
    if (!sample) {
      sample = { times: [], serverCpu: 0, postgresCpu: 0, clientCpu: 0 };
      samples.set(key, sample);
    }
    return sample;
  };
  const loadBefore = os.loadavg();
  const measureStarted = new Date();
  const measuredWindow = { from: monotonicMicros(), to: 0 };
  const perRound = Math.ceil(REQUESTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    // A B, then B A: neither version always comes first.
    const order = round % 2 === 0 ? measured : [...measured].reverse();
    log(`round ${round + 1}/${ROUNDS}: ${order.map((s) => s.name).join(", ")}`);
    for (const scenario of scenarios) {
      for (const server of order) await run(server, scenario, Math.min(perRound, REQUESTS - round * perRound), sampleOf(server, scenario));
    }
  }
  const loadAfter = os.loadavg();
  measuredWindow.to = monotonicMicros();
  // The measured requests' window on the monotonic clock the profiles' timestamps use (bench/cpu-profile-summary.ts).
  if (CPU_PROF) writeFileSync(join(resolve(CPU_PROF), "window.json"), JSON.stringify(measuredWindow));

  const loads = (l: number[]) => l.map((n) => n.toFixed(2)).join(" / ");
  const ms = (n: number) => n.toFixed(2);
  const micros = (seconds: number, n: number) => String(Math.round((seconds * 1e6) / n));
  const rowsOf = (server: Server) =>
    scenarios.map((scenario) => {
      const sample = sampleOf(server, scenario);
      const sorted = [...sample.times].sort((a, b) => a - b);
      const n = sorted.length;
      return {
        label: scenario.label,
        cells: [
          ms(percentile(sorted, 50)),
          ms(percentile(sorted, 99)),
          ms(sorted[n - 1] as number),
          micros(sample.serverCpu, n),
          micros(sample.postgresCpu, n),
          micros(sample.clientCpu, n),
        ],
      };
    });
  const header =
    "| scenario | p50 ms | p99 ms | max ms | server CPU µs/req | Postgres CPU µs/req | client CPU µs/req |\n|---|---:|---:|---:|---:|---:|---:|";
  const tables = measured
    .map((server) => {
      const title = BASELINE ? `### ${server.name === "this" ? "This version" : `Baseline (${BASELINE_LABEL ?? server.dir})`}\n\n` : "";
      return `${title}${header}\n${rowsOf(server)
        .map((row) => `| ${row.label} | ${row.cells.join(" | ")} |`)
        .join("\n")}`;
    })
    .join("\n\n");
  const report = `# SCIM benchmark (\`npm run bench:scim\`)

- ${USERS.toLocaleString("en-US")} users in one tenant, ${GROUPS.toLocaleString("en-US")} groups, one of ${GROUP_MEMBERS.toLocaleString("en-US")} members; seeded (and VACUUM ANALYZEd) in ${seedSeconds.toFixed(1)} s
- ${REQUESTS} measured requests per scenario${BASELINE ? " and version" : ""}, in ${ROUNDS} rounds${BASELINE ? " alternating the two versions (A B, B A, …) on the same database" : ""}, after ${WARMUP} warm-up requests per scenario${BASELINE ? " and version" : ""};
  one request in flight, REST over HTTP/1.1 keep-alive (node:http), \`Authorization: Bearer <api key>\`, against the real server
  (\`src/main.ts\`, child process) on the same machine; latency = client-side round trip; CPU per request from /proc
  (the server process; the Postgres backends serving the benchmark's database; this client)
- Machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, ${database.serverVersion.split(" on ")[0]}
- Date: ${measureStarted.toISOString()}
- Load average (1 / 5 / 15 min) when the measurements started: ${loads(loadBefore)}; when they ended: ${loads(loadAfter)}

${tables}

Each membership PATCH adds a user who is not a member yet: one \`insert … on conflict do nothing\`
of one row, and the group's version raised; the other memberships are never read.

## Query plans (EXPLAIN ANALYZE)

\`\`\`
${plans.join("\n\n")}
\`\`\`
`;
  writeFileSync(new URL("results/scim.md", import.meta.url), report);
  process.stdout.write(report);
} finally {
  for (const server of servers) server.kill("SIGTERM");
  await Promise.all(
    servers.map((server) =>
      server.exitCode !== null || server.signalCode !== null ? undefined : new Promise((done) => server.once("exit", done)),
    ),
  );
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
