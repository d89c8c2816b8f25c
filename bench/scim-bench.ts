// `npm run bench:scim`: what a provisioning client does, at 1,000,000 users in one tenant. Creates
// a fresh Postgres database, starts the real server (`src/main.ts`) in a child process, seeds the
// users (userName, externalId and a SCIM profile with displayName) with `insert … select from
// generate_series` in chunks of 50,000, and a group of 10,000 members; then measures sequential
// SCIM requests (one in flight, keep-alive, `Authorization: Bearer <key>`): the look-ups Entra ID
// and Okta make (`userName eq`, `externalId eq`, a group's `displayName eq`), a PATCH of one
// attribute, and a PATCH adding one member to the 10,000-member group. Reports p50/p99 and the
// EXPLAIN plans of the look-ups in bench/results/scim.md. BENCH_SCIM_USERS (default 1000000) and
// BENCH_SCIM_REQUESTS (default 500 per scenario) override the sizes.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import pg from "pg";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createBenchDatabase } from "./database.js";

const USERS = Number(process.env.BENCH_SCIM_USERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_SCIM_REQUESTS ?? 500);
const GROUP_MEMBERS = Math.min(10_000, Math.floor(USERS / 2));
const WARMUP = Math.max(50, Math.round(REQUESTS / 10));
const TENANT = "bench";
const GROUP_ID = "00000000-0000-4000-8000-000000000001";
const projectDir = new URL("..", import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`${text}\n`);

const database = await createBenchDatabase();
const adminKey = issueApiKey().key;
const kek = randomBytes(32).toString("base64");
let server: ChildProcess | undefined;
const dataDir = mkdtempSync(join(os.tmpdir(), "svault-scim-bench-"));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function startServer(): Promise<string> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: projectDir,
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
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return base;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the server did not come up");
}

const pad = (n: number) => String(n).padStart(7, "0");
const random = (n: number) => 1 + Math.floor(Math.random() * n);

interface Scenario {
  readonly label: string;
  readonly request: () => { method: string; path: string; body?: unknown };
  readonly status: number;
}

try {
  const base = await startServer();
  const created = await fetch(`${base}/api/v1/tenants`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify({ tenant_id: TENANT }),
  });
  if (created.status !== 201) throw new Error(`creating the tenant: ${created.status} ${await created.text()}`);

  log(`seeding ${USERS} users and a group of ${GROUP_MEMBERS}…`);
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
  await seeder.end();
  const client = new pg.Client({ connectionString: database.url });
  client.on("error", () => undefined);
  await client.connect();
  await client.query(
    `insert into user_group (id, tenant_id, display_name, external_id, version, created_at, updated_at)
     values ($1, $2, 'All Engineers', 'ext-group', 1, now(), now())`,
    [GROUP_ID, TENANT],
  );
  await client.query(
    `insert into user_group_member (tenant_id, group_id, user_id)
     select $1::varchar, $2::uuid, id from app_user
     where tenant_id = $1::varchar and username_normalized <= 'user' || lpad($3::text, 7, '0') || '@example.com'`,
    [TENANT, GROUP_ID, GROUP_MEMBERS],
  );
  await client.query("vacuum analyze app_user");
  await client.query("vacuum analyze user_group_member");
  await client.query("checkpoint");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);
  // Users that are not members yet, in a random order: each membership PATCH adds a new one.
  const { rows: outsiders } = await client.query<{ id: string }>(
    `select id from app_user where tenant_id = $1 and username_normalized > 'user' || lpad($2::text, 7, '0') || '@example.com'
     order by random() limit $3`,
    [TENANT, GROUP_MEMBERS, WARMUP + REQUESTS],
  );
  const { rows: someUsers } = await client.query<{ id: string }>(
    "select id from app_user where tenant_id = $1 order by random() limit 1000",
    [TENANT],
  );

  const plans: string[] = [];
  const explain = async (label: string, sql: string, params: unknown[]) => {
    const { rows } = await client.query(`explain (analyze, buffers off, costs off, timing off, summary on) ${sql}`, params);
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
    "group displayName eq",
    `select id from user_group where tenant_id = $1 and (lower(display_name) = lower($2)) order by created_at asc, id asc limit 100`,
    [TENANT, "all engineers"],
  );
  await client.end();

  let outsider = 0;
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
      label: 'GET /Groups?filter=displayName eq "…"&excludedAttributes=members',
      status: 200,
      request: () => ({
        method: "GET",
        path: `/Groups?filter=${encodeURIComponent('displayName eq "all engineers"')}&excludedAttributes=members`,
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
          Operations: [{ op: "Add", path: "members", value: [{ value: outsiders[outsider++ % outsiders.length]?.id }] }],
        },
      }),
    },
  ];

  const results: { label: string; p50: number; p99: number; max: number }[] = [];
  const loadBefore = os.loadavg();
  for (const scenario of scenarios) {
    log(`measuring: ${scenario.label}`);
    const times: number[] = [];
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      const { method, path, body } = scenario.request();
      const started = performance.now();
      const res = await fetch(`${base}/scim/v2/${TENANT}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body ? { "content-type": "application/scim+json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const elapsed = performance.now() - started;
      if (res.status !== scenario.status) throw new Error(`${scenario.label}: ${res.status} ${text}`);
      if (i >= WARMUP) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    results.push({ label: scenario.label, p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] as number });
  }
  const loadAfter = os.loadavg();
  const loads = (l: number[]) => l.map((n) => n.toFixed(2)).join(" / ");
  const ms = (n: number) => n.toFixed(2);
  const report = `# SCIM benchmark (\`npm run bench:scim\`)

- ${USERS.toLocaleString("en-US")} users in one tenant and a group of ${GROUP_MEMBERS.toLocaleString("en-US")} members, seeded in ${seedSeconds.toFixed(1)} s
- ${REQUESTS} measured requests per scenario after ${WARMUP} warm-up requests; one request in flight, REST over HTTP/1.1
  keep-alive, \`Authorization: Bearer <api key>\`, against the real server (\`src/main.ts\`, child process) on the same
  machine; latency = client-side round trip
- Machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, ${database.serverVersion.split(" on ")[0]}
- Date: ${new Date().toISOString()}
- Load average (1 / 5 / 15 min) when the measurements started: ${loads(loadBefore)}; when they ended: ${loads(loadAfter)}

| scenario | p50 ms | p99 ms | max ms |
|---|---:|---:|---:|
${results.map((r) => `| ${r.label} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} |`).join("\n")}

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
  server?.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 500));
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
