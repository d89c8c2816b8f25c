// `npm run bench:cli-import`: `svault users import` of 100,000 users against Batch Create User
// called directly in the same run. Starts the real server (`src/main.ts`, child process) on a fresh
// Postgres database, writes a CSV of BENCH_IMPORT_USERS (default 100000) users, then alternates
// (ABBA, to cancel drift as app_user grows) two direct runs — the same rows, already in memory as
// Batch Create inputs, sent over gRPC 1000 per call, one call in flight, as the CLI sends them —
// and two CLI runs (the whole `svault users import FILE` command as an operator starts it: process
// start, reading and checking the CSV, the calls, the state file). Each run goes into a fresh
// tenant; the database's row counts are checked after each. Writes bench/results/cli-import.md.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { BatchUserInputSchema } from "../gen/svault/user/v1/user_pb.js";
import { UserService } from "../gen/svault/user/v1/user_service_pb.js";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createBenchDatabase } from "./database.js";

const USERS = Number(process.env.BENCH_IMPORT_USERS ?? 100_000);
const BATCH = 1000;
const projectDir = new URL("..", import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`${text}\n`);

/** `cli`: the command as it is (two calls in flight); `cli-1`: with --in-flight 1, as the direct client sends. */
type Kind = "direct" | "cli" | "cli-1";
/** Symmetric, so that the growth of app_user over the runs weighs on every kind alike. */
const ORDER: readonly Kind[] = ["direct", "cli", "cli-1", "cli-1", "cli", "direct"];

const database = await createBenchDatabase();
const adminKey = issueApiKey().key;
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const grpcUrl = `http://127.0.0.1:${port + 1}`;
const workDir = mkdtempSync(join(os.tmpdir(), "svault-cli-import-bench-"));
let server: ChildProcess | undefined;

const username = (i: number) => `user${String(i).padStart(7, "0")}`;
const row = (i: number) => ({ username: username(i), email: `${username(i)}@example.com`, isVerified: i % 2 === 0, locale: "en" });

async function waitForHealth(): Promise<void> {
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

async function createTenant(tenantId: string): Promise<void> {
  const res = await fetch(`${base}/api/v1/tenants`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify({ tenant_id: tenantId }),
  });
  if (res.status !== 201) throw new Error(`creating ${tenantId}: ${res.status} ${await res.text()}`);
}

/** Batch Create called directly: the rows ready in memory, 1000 per call, one call in flight. */
async function direct(tenantId: string): Promise<number> {
  const users = createClient(UserService, createGrpcTransport({ baseUrl: grpcUrl }));
  const headers = { "x-api-key": adminKey };
  const batches = Array.from({ length: Math.ceil(USERS / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, USERS - b * BATCH) }, (_, j) => create(BatchUserInputSchema, row(b * BATCH + j))),
  );
  await users.getCurrentUser({}, { headers }); // the connection is open before the clock starts
  const started = performance.now();
  for (const batch of batches) {
    const answer = await users.batchCreateUser({ tenantId, users: batch }, { headers });
    if (answer.successCreatedCount !== batch.length) throw new Error(`direct: ${JSON.stringify(answer.failCreateUsernames)}`);
  }
  return (performance.now() - started) / 1000;
}

/** The whole `svault users import FILE` command, from process start to exit. */
async function cli(tenantId: string, file: string, inFlight: number): Promise<number> {
  const started = performance.now();
  const args = ["users", "import", file, "--tenant-id", tenantId, "--in-flight", String(inFlight)];
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/svault.ts", ...args], {
    cwd: projectDir,
    env: { ...process.env, SVAULT_URL: grpcUrl, SVAULT_API_KEY: adminKey, XDG_CONFIG_HOME: workDir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`svault users import exited ${code}`);
  return (performance.now() - started) / 1000;
}

async function count(client: pg.Client, tenantId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select count(*) as n from app_user where tenant_id = $1", [tenantId]);
  return Number(rows[0]?.n);
}

try {
  server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: projectDir,
    env: {
      ...process.env,
      PORT: String(port),
      GRPC_PORT: String(port + 1),
      HOST: "127.0.0.1",
      DATA_DIR: workDir,
      DATABASE_URL: database.url,
      SVAULT_KEK: randomBytes(32).toString("base64"),
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      LOG_LEVEL: "warn",
      SVAULT_ENV: "bench",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForHealth();
  const file = join(workDir, "users.csv");
  const lines = ["username,email,is_verified,locale"];
  for (let i = 0; i < USERS; i++) {
    const r = row(i);
    lines.push(`${r.username},${r.email},${r.isVerified},${r.locale}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const runs: { kind: Kind; seconds: number }[] = [];
  const loadBefore = os.loadavg();
  for (const [index, kind] of ORDER.entries()) {
    const tenantId = `bench-${index}`;
    await createTenant(tenantId);
    log(`${kind} run ${index + 1}: ${USERS} users…`);
    const seconds = kind === "direct" ? await direct(tenantId) : await cli(tenantId, file, kind === "cli" ? 2 : 1);
    const created = await count(client, tenantId);
    if (created !== USERS) throw new Error(`${kind} run ${index + 1} created ${created} users, not ${USERS}`);
    log(`  ${seconds.toFixed(2)} s, ${Math.round(USERS / seconds)} rows/s`);
    runs.push({ kind, seconds });
  }
  const loadAfter = os.loadavg();
  await client.end();

  const rate = (kind: Kind) => {
    const seconds = runs.filter((r) => r.kind === kind).map((r) => r.seconds);
    return USERS / (seconds.reduce((a, b) => a + b, 0) / seconds.length);
  };
  const directRate = rate("direct");
  const cliRate = rate("cli");
  const cliOneRate = rate("cli-1");
  const rows = (n: number) => Math.round(n).toLocaleString("en-US");
  const loads = (l: number[]) => l.map((n) => n.toFixed(2)).join(" / ");
  const report = `# CLI import benchmark (\`npm run bench:cli-import\`)

- ${USERS.toLocaleString("en-US")} users per run, each run into a fresh tenant of one database; runs in the order ${ORDER.join(", ")}
- direct: Batch Create User over gRPC from the benchmark process, the rows ready in memory, ${BATCH} per call, one call in flight
- cli: \`svault users import users.csv\` as a child process (two calls in flight, its default), timed from its start to its exit
  (start-up, reading and checking the CSV, the calls, the state file after each batch); cli-1: the same with \`--in-flight 1\`
- against the real server (\`src/main.ts\`, child process) on the same machine
- Machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, ${database.serverVersion.split(" on ")[0]}
- Date: ${new Date().toISOString()}
- Load average (1 / 5 / 15 min) before: ${loads(loadBefore)}; after: ${loads(loadAfter)}

| run | seconds | rows/s |
|---|---:|---:|
${runs.map((r, i) => `| ${i + 1}. ${r.kind} | ${r.seconds.toFixed(2)} | ${Math.round(USERS / r.seconds).toLocaleString("en-US")} |`).join("\n")}

Mean rates: direct ${rows(directRate)} rows/s, cli ${rows(cliRate)} rows/s, cli-1 ${rows(cliOneRate)} rows/s:
**\`svault users import\` reaches ${((100 * cliRate) / directRate).toFixed(1)} %** of Batch Create called directly
(${((100 * cliOneRate) / directRate).toFixed(1)} % with one call in flight).
`;
  writeFileSync(new URL("results/cli-import.md", import.meta.url), report);
  process.stdout.write(report);
} finally {
  server?.kill("SIGTERM");
  if (server) await once(server, "exit");
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
}
