// Instructions (or CPU time) per login of the database client alone: a login's statements as the
// REST login runs them when this instance holds the challenge (guessState, then
// countGuessAndStoreChallenge, then consumeAndCompleteLogin; src/persistence/repositories/
// login-repository.ts), one login at a time, through one PipelinedConnection of DIR's checkout
// against a migrated scratch database, plus an auth_event batch of 10 rows every 10 logins
// (auth-event-log.ts). Nothing else runs in the measured process, so what it counts is what the
// client costs: building the statements, encoding, the socket, parsing the answers.
//
// The parent makes the database and its fixtures, then runs the child (this file with --child)
// under callgrind with instrumentation off; the child warms up, the parent turns instrumentation
// on and zeroes the counters, the child runs --n logins, the parent dumps: main thread
// instructions per login, and the same without TurboFan's compiles and the old generation's
// collections that landed in the window (callgrind-run-dependent.ts): compare that one. Without --valgrind, the child reports its own CPU time per login
// (user + system: the socket's system calls included, which callgrind does not see).
//
//   node --import tsx bench/login-statements-instructions.ts DIR --valgrind [--n 2000] [--warm 3000]
//   node --import tsx bench/login-statements-instructions.ts DIR [--n 20000] [--warm 5000] [--cpu-prof PROFILE_DIR]
// (with --cpu-prof, summarise the window with bench/cpu-profile-summary.ts --last S --requests N)
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pg from "pg";
import { callgrindArgs } from "./bench-machine.js";
import { runDependent } from "./callgrind-run-dependent.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    valgrind: { type: "boolean" },
    child: { type: "boolean" },
    n: { type: "string" },
    warm: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const dir = positionals[0] as string;
const TENANT = "bench";
const USERNAME = "ada";
const IP = "203.0.113.7";

if (args.child) await child(positionals[1] as string, Number(args.n), Number(args.warm));
else await parent();

async function parent(): Promise<void> {
  const { createMigratedTestDatabase } = await import("../test/support/test-database.js");
  const db = await createMigratedTestDatabase();
  const userId = randomUUID();
  const setup = new pg.Client({ connectionString: db.url });
  await setup.connect();
  const blockConfig = { user_free_attempts: 5, user_block_after: 10, ip_block_after: 100000, window_seconds: 900, block_seconds: 900 };
  await setup.query(
    `insert into tenant (id, block_config, login_order, has_username_and_email, created_at, updated_at) values ($1, $2, '["pin"]', false, now(), now())`,
    [TENANT, JSON.stringify(blockConfig)],
  );
  await setup.query(
    `insert into app_user (id, tenant_id, username, username_normalized, roles, created_at, updated_at) values ($1, $2, $3, $3, '[]', now(), now())`,
    [userId, TENANT, USERNAME],
  );
  await setup.query(
    `insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at) values ($1, $2, $3, $4, 'v1', now())`,
    [userId, TENANT, randomBytes(16).toString("hex"), randomBytes(220)],
  );
  await setup.query("analyze");
  await setup.end();
  const n = Number(args.n ?? (args.valgrind ? 2000 : 20000));
  const warm = Number(args.warm ?? (args.valgrind ? 3000 : 5000));
  const outDir = `/tmp/login-db-cg/${Date.now()}`;
  mkdirSync(outDir, { recursive: true });
  const profile = args["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", args["cpu-prof"]] : [];
  const nodeArgs = [
    ...profile,
    "--import",
    "tsx",
    new URL(import.meta.url).pathname,
    "--child",
    dir,
    db.url,
    "--n",
    String(n),
    "--warm",
    String(warm),
  ];
  // V8 compiles on the main thread (--no-concurrent-recompilation), so that every run reaches the
  // same tiers at the same point, in the warm-up (bench/token-instructions.ts).
  const proc = args.valgrind
    ? spawn("valgrind", callgrindArgs(outDir, ["--no-concurrent-recompilation", ...nodeArgs]), {
        cwd: dir,
        stdio: ["pipe", "pipe", "inherit"],
      })
    : spawn(process.execPath, nodeArgs, { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const next = () => new Promise<string>((resolve) => lines.once("line", resolve));
  const warmed = await next();
  if (warmed !== "warm") throw new Error(`child said ${warmed}`);
  if (args.valgrind) {
    execFileSync("callgrind_control", ["-i", "on", String(proc.pid)]);
    execFileSync("callgrind_control", ["-z", String(proc.pid)]);
  }
  proc.stdin?.write("go\n");
  const done = await next();
  if (args.valgrind) execFileSync("callgrind_control", ["-d", String(proc.pid)]);
  proc.stdin?.end();
  await new Promise((resolve) => proc.once("exit", resolve));
  if (args.valgrind) {
    const file = readdirSync(outDir).find((f) => f.endsWith(".1-01"));
    const total = Number(/summary: (\d+)/.exec(readFileSync(`${outDir}/${file}`, "utf8"))?.[1] ?? 0);
    // TurboFan still compiles in the window now and then (its share moved by ±40 k per login
    // between runs of the same code): the count without it is the one to compare.
    const noise = runDependent(`${outDir}/${file}`);
    const perLogin = (instructions: number) => (instructions / n).toFixed(0);
    console.log(
      `${dir}: main thread instructions/login ${perLogin(total)} (of it optimising compiler ${perLogin(noise.compiler)}, ` +
        `major GC ${perLogin(noise.majorGc)}; without them ${perLogin(total - noise.compiler - noise.majorGc)}) (${n} logins; ${done})`,
    );
  } else console.log(`${dir}: ${done}`);
  await db.drop();
}

async function child(url: string, n: number, warm: number): Promise<void> {
  const { PipelinedConnection } = await import(`${dir}/src/persistence/pipelined-connection.js`);
  const { PlainSql } = await import(`${dir}/src/persistence/plain-sql.js`);
  const { LoginStore } = await import(`${dir}/src/persistence/repositories/login-repository.js`);
  const { AuthEventLog } = await import(`${dir}/src/persistence/repositories/auth-event-log.js`);
  const connection = await PipelinedConnection.open({ connectionString: url, application_name: "svault-bench" }, 30_000);
  const plain = new PlainSql({ run: (statement: unknown) => connection.run(statement), close: () => connection.close() });
  const repository = new LoginStore(plain).tenant(TENANT);
  const events = new AuthEventLog(plain);
  const ke1Hash = randomBytes(32);
  const serverState = randomBytes(200);
  const nonceHash = randomBytes(32);
  let counter = 0;
  const eventBatch = Array.from({ length: 10 }, (_, i) => ({
    tenantId: TENANT,
    // Both fields: the auth_event row's time was a Date (`at`) before it was epoch milliseconds
    // (`atMs`); each checkout reads its own.
    at: new Date(),
    atMs: Date.now(),
    kind: "login",
    outcome: i % 3 === 0 ? "failure" : "success",
    reason: i % 3 === 0 ? 'wrong "secret"' : "",
    username: USERNAME,
    userId: null,
    ip: IP,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) bench",
    clientId: null,
    logData: i % 2 === 0 ? JSON.stringify({ step: i }) : null,
  }));

  async function login(): Promise<void> {
    const state = await repository.guessState(USERNAME, IP);
    if (!state?.user?.credential) throw new Error("no user");
    const challengeId = `ch-${++counter}-${randomBytes(6).toString("hex")}`;
    const counted = await repository.countGuessAndStoreChallenge(
      { config: state.blockConfig, username: USERNAME, ip: IP },
      {
        id: challengeId,
        purpose: "login",
        username_normalized: USERNAME,
        user_id: state.user.id,
        ke1_hash: ke1Hash,
        server_state_sealed: serverState,
        credential_id: state.user.credential.credentialId,
        auth_req_id: null,
        proto_version: state.user.credential.protoVersion,
        ttlSeconds: 120,
      },
    );
    if (!counted.ip_admitted || !counted.user_admitted) throw new Error("guess refused");
    const done = await repository.consumeAndCompleteLogin(
      {
        userId: state.user.id,
        username: USERNAME,
        ip: IP,
        nonceHash: Buffer.concat([nonceHash.subarray(0, 24), Buffer.from(String(counter).padStart(8, "0"))]),
        authReqId: null,
        amr: ["pin"],
        nonceTtlSeconds: 300,
      },
      challengeId,
    );
    if (!done.consumed || !done.user) throw new Error("login not completed");
    if (counter % 10 === 0) await events.append(eventBatch);
  }

  for (let i = 0; i < warm; i++) await login();
  console.log("warm");
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once("line", resolve));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await login();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  console.log(
    `cpu µs/login ${((used.user + used.system) / n).toFixed(1)} (user ${(used.user / n).toFixed(1)}, system ${(used.system / n).toFixed(1)}); ${(ms / n).toFixed(3)} ms/login wall`,
  );
  lines.close();
  await connection.close();
}
