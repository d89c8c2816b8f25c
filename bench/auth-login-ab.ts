// `node --import tsx bench/auth-login-ab.ts [other checkout]`: the login over REST of this
// checkout against another's (e.g. the commit before a change), on a busy machine. Both servers
// run at once, each on its own database, pinned to CPU 0 (one loaded at a time); this launcher,
// pinned to CPU 1, is the load generator: its login loops (bench/auth-login-loops.ts) go to one
// server for a slice, then to the other, which one first flipping every round, so that whatever
// else loads the machine falls on both alike — runs one after the other differ more than the
// versions do. Between slices the loops drain (no login in flight), and each slice's server CPU
// (/proc/PID/stat, main thread and the others apart) and its database's Postgres backend CPU are
// read (autovacuum workers left out), so every figure is CPU per login summed over the slices of
// one side.
//
// BENCH_AB_CEILING=1 adds the OPAQUE ceiling as one more side (bench/auth-ceiling-slices.ts: the
// raw server work of a login in a tight loop, a process on CPU 0 fed the first checkout's users
// and key), run for a slice in the same rotation, and prints each server's login per unit of
// server CPU against it (issue 22's measure): the ceiling then samples the same moments of the VM
// as the logins. Without an other checkout, only this one's server runs.
//
// BENCH_AB_FLOOR: node, fastify (REST) or grpc, http2, http2compat (BENCH_AB_TRANSPORT=grpc), each
// alone or with -db or -db2, comma-separated: adds the floor as one more side per value
// (bench/auth-floor-server.ts, on CPU 0): the login's two requests with only the OPAQUE calls
// behind them, on bare node:http, a bare Fastify app, a bare @grpc/grpc-js server, bare node:http2
// or node:http2's compatibility API; -db: with svault's three statements on its client as the
// service sets it up, and nothing else; -db2: with the two statements a login with a stateless
// challenge would need. What a login over the transport costs beyond the ceiling, whatever the
// server does besides. With BENCH_AB_CEILING=1 its share is printed beside the servers'; the
// floors' Postgres CPU is not read (they share the first side's database).
//
// BENCH_AB_WARMUP_ROUNDS (default 8) rounds run first, alternating like the measured ones, and are
// not counted: a fresh svault's login costs ≈ 2× its steady figure in its first slice and settles
// after ≈ 10,000 logins (docs/performance.md, "Where issue 22 stands (2026-12-07, 13:30 UTC)"),
// while the ceiling's tight loop settles within its first slice. Each measured round also gives
// each side's share of the ceiling in that round alone: the table prints their median and spread
// beside the share of the summed slices.
//
//   BENCH_AB_ROUNDS (default 12), BENCH_AB_WARMUP_ROUNDS (default 8), BENCH_AB_SLICE_MS (default
//   1500), BENCH_AB_LOOPS (default 16), BENCH_AB_RATE (logins a second offered to every server and
//   floor, evenly spaced, instead of as many as the loops make: the same load for each side, so
//   that one answering sooner does not get a lighter, more scattered one; below the slowest
//   side's rate, each side then does the same logins per slice),
//   BENCH_AB_USERS (default 50), BENCH_AB_TRANSPORT (rest, the default, or grpc: the same login
//   loops over gRPC on the servers' GRPC_PORT), BENCH_AB_OTHER_FIRST (1: see below),
//   BENCH_AB_CEILING (1: see above), BENCH_AB_FLOOR (see above), BENCH_AB_POSTGRES_CPU (1, the
//   default: the servers' Postgres backends pinned to the load generator's CPU; 0: to the servers'
//   own, so that CPU 1 carries only the clients — for a load the clients' core cannot otherwise make),
//   BENCH_AB_JSON (a file: with BENCH_AB_CEILING=1, each side's share of the ceiling as JSON),
//   BENCH_AB_OPAQUE_CALLS (1: each server's and floor's OPAQUE calls timed in its own process by
//   bench/opaque-call-timer/register.mjs, and their CPU per login over the measured rounds printed
//   beside the rest of its CPU: how much of a side's cost above another's is the same wasm running
//   slower in its process, and how much its own work; the timer costs each call ≈ 1–2 µs)
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createTenantAndClient, benchUsers, registerUsers, type Target } from "./auth-setup.js";
import { grpcLogin, LoginLoops, restLogin } from "./auth-login-loops.js";
import { median } from "./stats.js";
import { monotonicMicros } from "./cpu-profile.js";
import { callsCpuInWindow, readCallTimes } from "./opaque-call-timer/call-times.js";
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
const withCeiling = process.env.BENCH_AB_CEILING === "1";
if (!other && !withCeiling) throw new Error("usage: bench/auth-login-ab.ts <other checkout> (or BENCH_AB_CEILING=1 without one)");
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 12);
const WARMUP_ROUNDS = Number(process.env.BENCH_AB_WARMUP_ROUNDS ?? 8);
const SLICE_MS = Number(process.env.BENCH_AB_SLICE_MS ?? 1500);
const LOOPS = Number(process.env.BENCH_AB_LOOPS ?? 16);
/** Logins a second every server and floor is offered (BENCH_AB_RATE); unset: as many as its loops make. */
const RATE = process.env.BENCH_AB_RATE ? Number(process.env.BENCH_AB_RATE) : undefined;
const USERS = Number(process.env.BENCH_AB_USERS ?? 50);
const TRANSPORT = process.env.BENCH_AB_TRANSPORT ?? "rest";
if (TRANSPORT !== "rest" && TRANSPORT !== "grpc") throw new Error(`BENCH_AB_TRANSPORT must be rest or grpc, got "${TRANSPORT}"`);
/** The floor servers (FLOOR_HTTP of bench/auth-floor-server.ts) by the transport they serve. */
const FLOOR_SERVERS: Record<string, { name: string; transport: string }> = {
  node: { name: "bare node:http", transport: "rest" },
  fastify: { name: "bare Fastify", transport: "rest" },
  grpc: { name: "bare @grpc/grpc-js", transport: "grpc" },
  http2: { name: "bare node:http2", transport: "grpc" },
  http2compat: { name: "node:http2's compatibility API", transport: "grpc" },
};
/** What a floor does besides the OPAQUE calls, by its kind's suffix (`statements`: its FLOOR_DB). */
const FLOOR_DEPTHS: Record<string, { name: string; statements: number }> = {
  "": { name: "OPAQUE calls only", statements: 0 },
  db: { name: "OPAQUE and the three statements", statements: 3 },
  db2: { name: "OPAQUE and two statements", statements: 2 },
};
const FLOORS = (process.env.BENCH_AB_FLOOR ?? "").split(",").filter(Boolean);
const FLOOR_KINDS = Object.entries(FLOOR_SERVERS)
  .filter(([, server]) => server.transport === TRANSPORT)
  .flatMap(([server]) => Object.keys(FLOOR_DEPTHS).map((depth) => (depth ? `${server}-${depth}` : server)));
for (const floor of FLOORS)
  if (!FLOOR_KINDS.includes(floor)) throw new Error(`BENCH_AB_FLOOR takes ${FLOOR_KINDS.join(", ")}, got "${floor}"`);
/** The CPU the servers' Postgres backends are pinned to: 1, the load generator's (the default), or 0, the servers' own. */
const POSTGRES_CPU = process.env.BENCH_AB_POSTGRES_CPU ?? "1";
if (POSTGRES_CPU !== "0" && POSTGRES_CPU !== "1") throw new Error(`BENCH_AB_POSTGRES_CPU must be 0 or 1, got "${POSTGRES_CPU}"`);
/** With BENCH_AB_CEILING=1: a file to write each side's share of the ceiling to, as JSON (LoginShare[]; bench/issue22.ts reads it). */
const JSON_OUT = process.env.BENCH_AB_JSON;
/** With BENCH_AB_OPAQUE_CALLS=1: where the servers' and floors' call timers write (OPAQUE_CALL_TIMES). */
const CALL_TIMES_DIR = process.env.BENCH_AB_OPAQUE_CALLS === "1" ? mkdtempSync(join(tmpdir(), "ab-opaque-calls-")) : undefined;
const TENANT = "bench";
const log = (text: string) => process.stderr.write(`[ab] ${text}\n`);
/** A figure in µs as the tables print it. */
const us = (value: number) => Math.round(value).toLocaleString("en-US");
const thisDir = new URL("..", import.meta.url).pathname;

spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });

/** What one side did in one slice, or summed over the measured rounds. */
interface Figures {
  logins: number;
  ms: number;
  main: number;
  others: number;
  system: number;
  postgres: number;
  failures: number;
}

/** One side's login against the ceiling, as BENCH_AB_JSON writes it. */
export interface LoginShare {
  readonly side: string;
  readonly transport: string;
  readonly loginsPerSecond: number;
  readonly serverUsPerLogin: number;
  readonly ceilingUsPerLogin: number;
  /** The ceiling's CPU per login ÷ the side's, summed over the measured rounds, in %. */
  readonly sharePercent: number;
  /** The same share in each measured round alone. */
  readonly roundsPercent: { readonly median: number; readonly min: number; readonly max: number };
  /** With BENCH_AB_OPAQUE_CALLS=1: the CPU of its OPAQUE calls per login, in its own process. */
  readonly opaqueCallsUsPerLogin?: number;
}

interface Totals extends Figures {
  /** Server CPU seconds per login in each measured round alone (not finite for a round without a login). */
  readonly perRound: number[];
}

interface Side {
  readonly label: string;
  readonly dir: string;
  readonly database: BenchDatabase;
  child?: ChildProcess;
  pid?: number;
  target?: Target;
  grpcPort?: number;
  totals: Totals;
}

/** The OPAQUE ceiling's process (bench/auth-ceiling-slices.ts), one slice per line written to it. */
interface Ceiling {
  readonly label: "ceiling";
  readonly child: ChildProcess;
  readonly pid: number;
  readonly answers: AsyncIterator<string>;
  totals: Totals;
}

/** What the ceiling and the floors log in with: the users and key of `side`'s server. */
function ceilingMaterial(side: Side, users: ReturnType<typeof benchUsers>): string {
  return JSON.stringify({ databaseUrl: side.database.url, kek, tenantId: TENANT, issuer: (side.target as Target).issuer, users });
}

/** A floor server (bench/auth-floor-server.ts): a load target like a server, on the first side's database. */
interface Floor {
  readonly label: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly target: Target;
  readonly database?: undefined;
  readonly grpcPort?: number;
  totals: Totals;
}

/** A floor kind (e.g. `fastify-db2`): its server and its depth. */
function floorOf(kind: string): { server: string; depth: string } {
  const [server = "", depth = ""] = kind.split("-");
  return { server, depth };
}

/** How the table names a floor of kind `kind`. */
function floorName(kind: string): string {
  const { server, depth } = floorOf(kind);
  return `${FLOOR_SERVERS[server]?.name}, ${FLOOR_DEPTHS[depth]?.name}`;
}

/**
 * Node's flags for the server or floor `label` besides `npm start`'s: with BENCH_AB_CPU_PROF, a CPU
 * profile in its own directory there; with BENCH_AB_OPAQUE_CALLS=1, the OPAQUE calls' timer.
 */
function observerFlags(label: string): string[] {
  return [
    ...(process.env.BENCH_AB_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_AB_CPU_PROF}/${label}`] : []),
    ...(CALL_TIMES_DIR ? [`--import=${thisDir}bench/opaque-call-timer/register.mjs`] : []),
  ];
}

/** The environment of a server or floor: the call timer's output with BENCH_AB_OPAQUE_CALLS=1. */
const observerEnv = (): Record<string, string> => (CALL_TIMES_DIR ? { OPAQUE_CALL_TIMES: join(CALL_TIMES_DIR, "calls") } : {});

/**
 * A bench script on the servers' core with `npm start`'s node flags, given the ceiling's material;
 * its stdout piped. `observed`: the side's label, when observerFlags apply to it too.
 */
function spawnOnServerCore(script: string, material: string, options: SpawnOptions, observed?: string): ChildProcess {
  const observers = observed === undefined ? [] : observerFlags(observed);
  return spawn(
    "taskset",
    ["-c", "0", process.execPath, ...SERVICE_NODE_FLAGS, ...observers, "--import", "tsx", `${thisDir}bench/${script}`, material],
    { cwd: thisDir, ...options },
  );
}

async function startFloor(kind: string, side: Side, users: ReturnType<typeof benchUsers>): Promise<Floor> {
  const { server, depth } = floorOf(kind);
  const child = spawnOnServerCore(
    "auth-floor-server.ts",
    ceilingMaterial(side, users),
    {
      env: { ...process.env, ...observerEnv(), FLOOR_HTTP: server, FLOOR_DB: String(FLOOR_DEPTHS[depth]?.statements) },
      stdio: ["ignore", "pipe", "inherit"],
    },
    `floor-${kind}`,
  );
  const first = await createInterface({ input: child.stdout as NodeJS.ReadableStream })
    [Symbol.asyncIterator]()
    .next();
  if (first.done) throw new Error(`the ${kind} floor exited before it listened`);
  const { port } = JSON.parse(first.value) as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    label: `floor-${kind}`,
    child,
    pid: child.pid as number,
    target: { baseUrl, issuer: side.target?.issuer as string, tenantId: TENANT },
    grpcPort: port,
    totals: zero(),
  };
}

async function startCeiling(side: Side, users: ReturnType<typeof benchUsers>): Promise<Ceiling> {
  const child = spawnOnServerCore("auth-ceiling-slices.ts", ceilingMaterial(side, users), { stdio: ["pipe", "pipe", "inherit"] });
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const answers = lines[Symbol.asyncIterator]();
  const first = await answers.next();
  if (first.done) throw new Error("the ceiling exited before it was ready");
  return { label: "ceiling", child, pid: child.pid as number, answers, totals: zero() };
}

async function ceilingSlice(ceiling: Ceiling, ms: number): Promise<{ logins: number; failures: number }> {
  ceiling.child.stdin?.write(`${ms}\n`);
  const answer = await ceiling.answers.next();
  if (answer.done) throw new Error("the ceiling exited");
  return { logins: (JSON.parse(answer.value) as { logins: number }).logins, failures: 0 };
}

async function start(side: Side, kek: string, adminKey: string): Promise<void> {
  const port = await freePort();
  const child = spawn(
    "taskset",
    [
      "-c",
      "0",
      process.execPath,
      ...SERVICE_NODE_FLAGS,
      ...observerFlags(side.label),
      "--import",
      "tsx",
      `${side.dir}/bench/auth-bench-server.ts`,
    ],
    {
      cwd: side.dir,
      env: {
        ...process.env,
        ...observerEnv(),
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
const sides: Side[] = [{ label: "this", dir: thisDir.replace(/\/$/, ""), database: await createBenchDatabase(), totals: zero() }];
if (other) sides.push({ label: "other", dir: other.replace(/\/$/, ""), database: await createBenchDatabase(), totals: zero() });
let ceiling: Ceiling | undefined;
const floors: Floor[] = [];
// BENCH_AB_OTHER_FIRST=1: the other checkout's server starts first and leads the first round, to
// tell a difference between the versions from one between the first and the second server.
if (process.env.BENCH_AB_OTHER_FIRST === "1") sides.reverse();
function zero(): Totals {
  return { perRound: [], logins: 0, ms: 0, main: 0, others: 0, system: 0, postgres: 0, failures: 0 };
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
  if (withCeiling) ceiling = await startCeiling(sides[0] as Side, users);
  for (const kind of FLOORS) floors.push(await startFloor(kind, sides[0] as Side, users));
  const loops = new LoginLoops(
    users,
    LOOPS,
    TENANT,
    (side: Side | Floor) =>
      TRANSPORT === "grpc" ? grpcLogin(`127.0.0.1:${side.grpcPort}`, TENANT, LOOPS) : restLogin((side.target as Target).baseUrl, TENANT),
    (side: Side | Floor) => (side.target as Target).issuer,
  );
  await loops.ready();
  type Participant = Side | Floor | Ceiling;
  const participants: Participant[] = [...sides, ...floors, ...(ceiling ? [ceiling] : [])];
  const isCeiling = (p: Participant): p is Ceiling => p.label === "ceiling";
  const slice = (p: Participant) => (isCeiling(p) ? ceilingSlice(p, SLICE_MS) : loops.slice(p, SLICE_MS, RATE));
  /** One round: a slice on each participant, in `order`; each one's figures for this round alone. */
  const runRound = async (order: readonly Participant[]): Promise<Map<Participant, Figures>> => {
    const figures = new Map<Participant, Figures>();
    for (const p of order) {
      const database = isCeiling(p) ? undefined : p.database?.name;
      if (database) pinBackends(database, POSTGRES_CPU);
      const cpu0 = threadsCpu(p.pid as number);
      const pg0 = database ? servingBackends(database) : undefined;
      const t0 = performance.now();
      const done = await slice(p);
      const ms = performance.now() - t0;
      const cpu1 = threadsCpu(p.pid as number);
      const postgres = database && pg0 ? backendCpuDelta(pg0, servingBackends(database)) : 0;
      const main = cpu1.main - cpu0.main;
      const others = cpu1.others - cpu0.others;
      figures.set(p, {
        logins: done.logins,
        failures: done.failures,
        ms,
        main,
        others,
        system: cpu1.system - cpu0.system,
        postgres,
      });
    }
    return figures;
  };
  const logRound = (name: string, figures: Map<Participant, Figures>) => {
    const perLoginUs = (seconds: number, t: Figures) => Math.round((seconds / t.logins) * 1e6);
    log(
      `${name}: ` +
        participants
          .map((p) => {
            const t = figures.get(p) as Figures;
            return (
              `${p.label} ${Math.round(t.logins / (t.ms / 1000))}/s, ${isCeiling(p) ? "ceiling" : "server"} ${perLoginUs(t.main + t.others, t)} µs/login` +
              (isCeiling(p) || !p.database ? "" : `, pg ${perLoginUs(t.postgres, t)}`)
            );
          })
          .join("; ") +
        `; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    );
  };
  /** Server CPU seconds per login (NaN or Infinity for figures without a login). */
  const perLogin = (t: Figures) => (t.main + t.others) / t.logins;
  const orderOf = (round: number) => (round % 2 === 0 ? participants : [...participants].reverse());
  // Warm-up (see the top): rounds like the measured ones, not counted.
  for (let round = 0; round < WARMUP_ROUNDS; round++) logRound(`warm-up round ${round + 1}`, await runRound(orderOf(round)));
  // The measured rounds on the monotonic clock in µs (as a --cpu-prof profile's timestamps).
  const roundsFrom = monotonicMicros();
  const roundsFromEpochMs = performance.timeOrigin + performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const figures = await runRound(orderOf(round));
    for (const [p, f] of figures) {
      const t = p.totals;
      t.perRound.push(perLogin(f));
      t.logins += f.logins;
      t.failures += f.failures;
      t.ms += f.ms;
      t.main += f.main;
      t.others += f.others;
      t.system += f.system;
      t.postgres += f.postgres;
    }
    logRound(`round ${round + 1}`, figures);
  }
  log(`measured rounds: monotonic µs ${roundsFrom} to ${monotonicMicros()}`);
  const roundsToEpochMs = performance.timeOrigin + performance.now();
  await loops.close();
  // The timers write when their process exits: stop the servers and floors now, and read them.
  const opaqueCalls = new Map<Participant, number>();
  if (CALL_TIMES_DIR) {
    for (const p of [...sides, ...floors]) {
      await stopChild(p.child as ChildProcess);
      const times = readCallTimes(join(CALL_TIMES_DIR, `calls.${p.pid}.json`));
      opaqueCalls.set(p, callsCpuInWindow(times, roundsFromEpochMs, roundsToEpochMs) / p.totals.logins);
    }
  }
  console.log(
    "| side | logins | logins/s | server CPU µs/login | main thread | other threads | of which kernel | Postgres µs/login | failures |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const p of participants) {
    const t = p.totals;
    const shownPerLogin = (seconds: number) => us((seconds / t.logins) * 1e6);
    const name = isCeiling(p)
      ? "OPAQUE ceiling (startLogin + finishLogin)"
      : p.database
        ? `${p.label} (${p.dir})`
        : `floor (${floorName(p.label.slice("floor-".length))})`;
    console.log(
      `| ${name} | ${t.logins} | ${Math.round(t.logins / (t.ms / 1000))} | ${shownPerLogin(t.main + t.others)} | ${shownPerLogin(t.main)} | ${shownPerLogin(t.others)} | ${shownPerLogin(t.system)} | ${isCeiling(p) || !p.database ? "—" : shownPerLogin(t.postgres)} | ${t.failures} |`,
    );
  }
  if (ceiling) {
    console.log("");
    const shares: LoginShare[] = [];
    const ceilingRounds = ceiling.totals.perRound;
    for (const side of [...sides, ...floors]) {
      const rounds = side.totals.perRound
        .map((seconds, round) => ((ceilingRounds[round] as number) / seconds) * 100)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const share: LoginShare = {
        side: side.label,
        transport: TRANSPORT,
        loginsPerSecond: side.totals.logins / (side.totals.ms / 1000),
        serverUsPerLogin: perLogin(side.totals) * 1e6,
        ceilingUsPerLogin: perLogin(ceiling.totals) * 1e6,
        sharePercent: (perLogin(ceiling.totals) / perLogin(side.totals)) * 100,
        roundsPercent: { median: median(rounds), min: rounds[0] as number, max: rounds.at(-1) as number },
        ...(opaqueCalls.has(side) ? { opaqueCallsUsPerLogin: opaqueCalls.get(side) as number } : {}),
      };
      shares.push(share);
      const { median: middle, min, max } = share.roundsPercent;
      console.log(
        `- ${side.label} over ${TRANSPORT === "grpc" ? "gRPC" : "REST"}: **${share.sharePercent.toFixed(1)} %** of the ceiling per unit of server CPU (the ceiling's ${us(share.ceilingUsPerLogin)} µs ÷ the server's ${us(share.serverUsPerLogin)} µs per login); round by round ${middle.toFixed(1)} % (${min.toFixed(1)}–${max.toFixed(1)})`,
      );
    }
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(shares, null, 2));
  }
  if (opaqueCalls.size > 0) {
    console.log("");
    for (const [p, callsUs] of opaqueCalls) {
      const serverUs = perLogin(p.totals) * 1e6;
      console.log(
        `- ${p.label}: its OPAQUE calls (startLogin + finishLogin, timed in its process) ${us(callsUs)} µs of CPU per login, the rest of its server CPU ${us(serverUs - callsUs)} µs` +
          (ceiling ? ` (the ceiling's whole loop: ${us(perLogin(ceiling.totals) * 1e6)} µs)` : ""),
      );
    }
  }
} finally {
  if (ceiling) await stopChild(ceiling.child);
  for (const floor of floors) await stopChild(floor.child);
  for (const side of sides) if (side.child) await stopChild(side.child);
  for (const side of sides) await side.database.drop();
  if (CALL_TIMES_DIR) rmSync(CALL_TIMES_DIR, { recursive: true, force: true });
}
