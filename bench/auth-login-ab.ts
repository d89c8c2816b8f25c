// `node --import tsx bench/auth-login-ab.ts <other checkout>`: the login over REST of this checkout
// against another's (e.g. the commit before a change), on a busy machine. Both servers run at
// once, each on its own database, pinned to CPU 0 (one loaded at a time); this launcher, pinned to
// CPU 1, is the load generator: its login loops (bench/auth-login-loops.ts) go to one server for a
// slice, then to the other, which one first flipping every round, so that whatever else loads the
// machine falls on both alike — runs one after the other differ more than the versions do.
// Between slices the loops drain (no login in flight), and each slice's server CPU
// (/proc/PID/stat, main thread and the others apart) and its database's Postgres backend CPU are
// read (autovacuum workers left out), so every figure is CPU per login summed over the slices of
// one side.
//
//   BENCH_AB_ROUNDS (default 12), BENCH_AB_SLICE_MS (default 1500), BENCH_AB_LOOPS (default 16),
//   BENCH_AB_USERS (default 50), BENCH_AB_TRANSPORT (rest, the default, or grpc: the same login
//   loops over gRPC on the servers' GRPC_PORT), BENCH_AB_OTHER_FIRST (1: see below)
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createTenantAndClient, benchUsers, registerUsers, type Target } from "./auth-setup.js";
import { grpcLogin, LoginLoops, restLogin } from "./auth-login-loops.js";
import { backendCpuDelta, backendCpuSeconds, freePort, pinBackends, SERVICE_NODE_FLAGS, stopChild } from "./bench-machine.js";

/** The CPU of the backends serving `database`, autovacuum workers left out (they clean up after both sides' earlier slices). */
function servingBackends(database: string): Map<number, number> {
  const backends = backendCpuSeconds(database);
  for (const pid of backends.keys()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("autovacuum")) backends.delete(pid);
    } catch {
      backends.delete(pid);
    }
  }
  return backends;
}
import { createBenchDatabase, type BenchDatabase } from "./database.js";

const other = process.argv[2];
if (!other) throw new Error("usage: bench/auth-login-ab.ts <other checkout>");
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 12);
const SLICE_MS = Number(process.env.BENCH_AB_SLICE_MS ?? 1500);
const LOOPS = Number(process.env.BENCH_AB_LOOPS ?? 16);
const USERS = Number(process.env.BENCH_AB_USERS ?? 50);
const TRANSPORT = process.env.BENCH_AB_TRANSPORT ?? "rest";
if (TRANSPORT !== "rest" && TRANSPORT !== "grpc") throw new Error(`BENCH_AB_TRANSPORT must be rest or grpc, got "${TRANSPORT}"`);
const TENANT = "bench";
const log = (text: string) => process.stderr.write(`[ab] ${text}\n`);
const thisDir = new URL("..", import.meta.url).pathname;

spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });

interface Side {
  readonly label: string;
  readonly dir: string;
  readonly database: BenchDatabase;
  child?: ChildProcess;
  pid?: number;
  target?: Target;
  grpcPort?: number;
  totals: { logins: number; ms: number; main: number; others: number; system: number; postgres: number; failures: number };
}

async function start(side: Side, kek: string, adminKey: string): Promise<void> {
  const port = await freePort();
  const profile = process.env.BENCH_AB_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_AB_CPU_PROF}/${side.label}`] : [];
  const child = spawn(
    "taskset",
    ["-c", "0", process.execPath, ...SERVICE_NODE_FLAGS, ...profile, "--import", "tsx", `${side.dir}/bench/auth-bench-server.ts`],
    {
      cwd: side.dir,
      env: {
        ...process.env,
        DATABASE_URL: side.database.url,
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        SVAULT_KEK: kek,
        SVAULT_BOOTSTRAP_API_KEY: adminKey,
        TRUST_PROXY_HOPS: "1",
        RATE_LIMIT_REGISTRATION_CHALLENGES: "off",
        LOG_LEVEL: "warn",
        // Extra settings of one side, for experiments (BENCH_AB_ENV_THIS / BENCH_AB_ENV_OTHER, JSON).
        ...(JSON.parse(process.env[`BENCH_AB_ENV_${side.label.toUpperCase()}`] ?? "{}") as Record<string, string>),
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  side.child = child;
  const [line] = await new Promise<string[]>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (l) => resolve([l]));
    child.once("exit", (code) => reject(new Error(`${side.label}: server exited (${code})`)));
  });
  side.grpcPort = (JSON.parse(line as string) as { grpcPort: number }).grpcPort;
  side.pid = child.pid as number;
  side.target = { baseUrl: `http://127.0.0.1:${port}`, issuer: `http://127.0.0.1:${port}/${TENANT}`, tenantId: TENANT };
}

/** The server's CPU seconds: its main thread, its other threads, and the kernel's share of both. */
function threadsCpu(pid: number): { main: number; others: number; system: number } {
  let main = 0;
  let others = 0;
  let system = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const user = Number(fields[11]) / 100;
      const sys = Number(fields[12]) / 100;
      if (tid === String(pid)) main += user + sys;
      else others += user + sys;
      system += sys;
    } catch {
      // a thread that ended meanwhile
    }
  }
  return { main, others, system };
}

const kek = randomBytes(32).toString("base64");
const adminKey = issueApiKey().key;
const sides: Side[] = [
  { label: "this", dir: thisDir.replace(/\/$/, ""), database: await createBenchDatabase(), totals: zero() },
  { label: "other", dir: other.replace(/\/$/, ""), database: await createBenchDatabase(), totals: zero() },
];
// BENCH_AB_OTHER_FIRST=1: the other checkout's server starts first and leads the first round, to
// tell a difference between the versions from one between the first and the second server.
if (process.env.BENCH_AB_OTHER_FIRST === "1") sides.reverse();
function zero(): Side["totals"] {
  return { logins: 0, ms: 0, main: 0, others: 0, system: 0, postgres: 0, failures: 0 };
}
try {
  const users = benchUsers(USERS);
  for (const side of sides) {
    await start(side, kek, adminKey);
    await createTenantAndClient(side.target as Target, adminKey);
    await registerUsers(side.target as Target, users);
    log(`${side.label} (${side.dir}) pid ${side.pid}: ${users.length} users registered`);
    await side.database.analyze();
  }
  const loops = new LoginLoops(
    users,
    LOOPS,
    TENANT,
    (side: Side) =>
      TRANSPORT === "grpc" ? grpcLogin(`127.0.0.1:${side.grpcPort}`, TENANT, LOOPS) : restLogin((side.target as Target).baseUrl, TENANT),
    (side: Side) => (side.target as Target).issuer,
  );
  await loops.ready();
  // Warm-up: a slice on each.
  for (const side of sides) await loops.slice(side, SLICE_MS);
  // The measured rounds on the monotonic clock in µs (as a --cpu-prof profile's timestamps).
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  const roundsFrom = monotonicUs();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      pinBackends(side.database.name, "1");
      const cpu0 = threadsCpu(side.pid as number);
      const pg0 = servingBackends(side.database.name);
      const t0 = performance.now();
      const done = await loops.slice(side, SLICE_MS);
      const ms = performance.now() - t0;
      const cpu1 = threadsCpu(side.pid as number);
      const postgres = backendCpuDelta(pg0, servingBackends(side.database.name));
      const t = side.totals;
      t.logins += done.logins;
      t.failures += done.failures;
      t.ms += ms;
      t.main += cpu1.main - cpu0.main;
      t.others += cpu1.others - cpu0.others;
      t.system += cpu1.system - cpu0.system;
      t.postgres += postgres;
    }
    const us = (seconds: number, side: Side) => Math.round((seconds / side.totals.logins) * 1e6);
    log(
      `round ${round + 1}: ` +
        sides
          .map(
            (s) =>
              `${s.label} ${Math.round(s.totals.logins / (s.totals.ms / 1000))}/s, server ${us(s.totals.main + s.totals.others, s)} µs/login, pg ${us(s.totals.postgres, s)}`,
          )
          .join("; ") +
        `; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    );
  }
  log(`measured rounds: monotonic µs ${roundsFrom} to ${monotonicUs()}`);
  await loops.close();
  console.log(
    "| side | logins | logins/s | server CPU µs/login | main thread | other threads | of which kernel | Postgres µs/login | failures |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of sides) {
    const t = s.totals;
    const us = (seconds: number) => Math.round((seconds / t.logins) * 1e6).toLocaleString("en-US");
    console.log(
      `| ${s.label} (${s.dir}) | ${t.logins} | ${Math.round(t.logins / (t.ms / 1000))} | ${us(t.main + t.others)} | ${us(t.main)} | ${us(t.others)} | ${us(t.system)} | ${us(t.postgres)} | ${t.failures} |`,
    );
  }
} finally {
  for (const side of sides) if (side.child) await stopChild(side.child);
  for (const side of sides) await side.database.drop();
}
