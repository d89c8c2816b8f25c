// The server side of a login without the transport: the two calls the Get Challenge and
// Authenticate handlers make (src/api/auth/auth-service.ts → OpaqueLogin.challenge and
// OpaqueLogin.authenticate, with the same scope resolution), in-process, against the benchmark's
// database with the server's KEK. bench/auth-bench.ts runs it on the server's core while the HTTP
// server is idle, right after the login scenario: it measures what the issue asks for literally —
// logins per second server side, with the client messages prepared outside the timed loop — and
// splits a login's server cost into "the login itself" (OPAQUE, the login's statements, its checks,
// audit events) and "the transport" (HTTP, Fastify, REST transcoding, interceptors, protobuf).
//
// KE3 needs KE2, so the users are split in two halves and the run is a series of timed phases
// with the client's work between them, untimed:
//
//   untimed  KE1s of half B (client.startLogin)
//   timed    Authenticate for half A (KE3s made before) and Get Challenge for half B, interleaved,
//            `loops` at a time
//   untimed  KE3s of half B (client.finishLogin on its KE2s), KE1s of half A
//   timed    Authenticate for half B and Get Challenge for half A, … and so on
//
// Logins per second = Authenticates completed / time in the timed phases — wall clock, like the
// ceiling's. After each timed phase the process runs the raw OPAQUE ceiling (bench/opaque-ceiling.ts)
// for as long as that phase took, synchronously (no timer or I/O callback runs meanwhile): the
// ceiling and the login sample the same moments of this VM, whose speed drifts by ±10–15 % within
// a minute, so their ratio is far steadier than one against a ceiling measured before or after. Each user has one guess outstanding at a time, as in a real login, so no throttle
// delay kicks in. At the end of each phase the core is briefly idle while the last requests wait
// for Postgres; with 50 users a phase lasts ≈ 100 ms and that tail is a few percent of it.
//
// Protocol on stdout: `{"event":"measure-start"}` after the warm-up, then it waits for one line on
// stdin (meanwhile the launcher pins the Postgres backends this process opened, when asked to
// with --core-postgres-cpu), then one JSON line (CoreLoginResult). Progress and errors on stderr.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import type { CallerInfo } from "../src/domain/login/opaque-login.js";
import { type BenchUser, ke3Of, opaqueReady, type PreparedKe1, prepareKe1 } from "./auth-opaque-client.js";
import { openInProcessLogin } from "./in-process-login.js";
import { prepareCeiling } from "./opaque-ceiling.js";
import { childOptions } from "./stats.js";

export interface CoreLoginOptions {
  readonly databaseUrl: string;
  /** The server's SVAULT_KEK (base64). */
  readonly kek: string;
  /** The server's PUBLIC_URL: issuers (and so the OPAQUE server identifier) derive from it. */
  readonly publicUrl: string;
  readonly tenantId: string;
  readonly users: readonly BenchUser[];
  readonly loops: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface CoreLoginResult {
  readonly logins: number;
  readonly failures: number;
  /** Wall time of the timed phases, ms. */
  readonly timedMs: number;
  readonly loginsPerSecond: number;
  /** CPU of the whole process (all threads) in the timed phases, µs, and of it in the kernel. */
  readonly processCpuUs: number;
  readonly processSystemUs: number;
  /** processCpuUs / logins. */
  readonly serverCpuPerLoginUs: number;
  /** processCpuUs / timedMs: how busy the core was while timed (100 % = the core was never idle). */
  readonly cpuPercent: number;
  /** Time the main thread was runnable but not yet running, over the measured run (timed or not), ms. */
  readonly runQueueWaitMs: number;
  /** The OPAQUE ceiling's slices between the timed phases: logins, wall time (ms) and logins per second. */
  readonly ceilingLogins: number;
  readonly ceilingMs: number;
  readonly ceilingLoginsPerSecond: number;
  /** Mean time of the ceiling's server.startLogin + server.finishLogin, µs. */
  readonly ceilingStartLoginUs: number;
  readonly ceilingFinishLoginUs: number;
}

const options = childOptions<CoreLoginOptions>("CoreLoginOptions");
await opaqueReady;

const { login, issuerOf, defaultTenant, close } = await openInProcessLogin(process.cwd(), options);
const issuer = issuerOf(options.tenantId);
const ceiling = await prepareCeiling({ ...options, issuer });

const scopeInput = { tenantId: options.tenantId, authReqId: "" };
const loops = Math.max(1, Math.min(options.loops, options.users.length));
// User i always calls from address i mod loops (as in the HTTP scenario, where each loop has its
// own users and address): the address a guess was counted for is the one a success takes it from.
const callers: CallerInfo[] = options.users.map((_, i) => ({
  ip: `10.88.${Math.floor((i % loops) / 250)}.${((i % loops) % 250) + 1}`,
  userAgent: "bench-core",
}));

interface Totals {
  logins: number;
  failures: number;
  timedMs: number;
  user: number;
  system: number;
  ceilingLogins: number;
  ceilingMs: number;
  ceilingStartNs: number;
  ceilingFinishNs: number;
}

type Task = () => Promise<void>;

function failed(totals: Totals, error: unknown): void {
  totals.failures++;
  if (totals.failures <= 3) process.stderr.write(`[core] login failed: ${error instanceof Error ? error.message : String(error)}\n`);
}

/**
 * Runs the tasks `loops` at a time; with `totals`, adds the phase's wall and CPU time to them, and
 * then runs the ceiling for as long as the phase took.
 */
async function phase(tasks: readonly Task[], totals?: Totals): Promise<void> {
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (let task = tasks[next++]; task; task = tasks[next++]) await task();
    }),
  );
  if (!totals) return;
  const phaseMs = performance.now() - t0;
  totals.timedMs += phaseMs;
  const used = process.cpuUsage(cpu);
  totals.user += used.user;
  totals.system += used.system;

  const c0 = performance.now();
  const slice = ceiling.loop(phaseMs);
  totals.ceilingMs += performance.now() - c0;
  totals.ceilingLogins += slice.logins;
  totals.ceilingStartNs += slice.startNs;
  totals.ceilingFinishNs += slice.finishNs;
}

/** One user's login between the phases: KE1 (made before its challenge), then KE3 (made after). */
interface InFlight {
  readonly user: number;
  readonly ke1: PreparedKe1;
  answer?: string;
  ke3?: { challengeId: string; ke3: string };
}

/** Get Challenge tasks for a group of users, their KE1s made now (untimed). */
function challenges(group: readonly number[], totals: Totals): { logins: InFlight[]; tasks: Task[] } {
  const logins = group.map((user) => ({ user, ke1: prepareKe1((options.users[user] as BenchUser).secret) }) as InFlight);
  const tasks = logins.map((flight) => async () => {
    try {
      const scope = await login.scopeOf(scopeInput, defaultTenant);
      const user = options.users[flight.user] as BenchUser;
      flight.answer = (await login.challenge(scope, user.username, flight.ke1.cipherKey, callers[flight.user] as CallerInfo)).challengeData;
    } catch (error) {
      failed(totals, error);
    }
  });
  return { logins, tasks };
}

/** KE3 for every answered challenge (untimed); a KE2 that does not verify is a failure. */
function finishClients(logins: InFlight[], totals: Totals): InFlight[] {
  return logins.filter((flight) => {
    if (flight.answer === undefined) return false;
    const ke3 = ke3Of(flight.ke1, options.users[flight.user] as BenchUser, flight.answer, issuer, options.tenantId);
    if (!ke3) totals.failures++;
    flight.ke3 = ke3;
    return ke3 !== undefined;
  });
}

function authentications(logins: readonly InFlight[], totals: Totals, count: boolean): Task[] {
  return logins.map((flight) => async () => {
    const ke3 = flight.ke3 as { challengeId: string; ke3: string };
    try {
      const scope = await login.scopeOf(scopeInput, defaultTenant);
      const input = { username: (options.users[flight.user] as BenchUser).username, cipherKey: flight.ke1.cipherKey, ...ke3 };
      await login.authenticate(scope, input, callers[flight.user] as CallerInfo);
      if (count) totals.logins++;
    } catch (error) {
      failed(totals, error);
    }
  });
}

/** Alternates the users' two halves so that every timed phase holds one half's Authenticates and the other's Get Challenges. */
const halves = [0, 1].map((half) => options.users.flatMap((_, i) => (i % 2 === half ? [i] : [])));

/**
 * Timed phases for `seconds`: phase k authenticates the half that asked for its challenges in
 * phase k − 1 and asks for the other half's challenges, so the server does a login's whole work
 * mix in every phase (a phase of Authenticates alone would mostly wait for Postgres). Before the
 * first and after the last timed phase, one untimed phase starts and finishes the logins in flight.
 */
async function run(seconds: number): Promise<Totals> {
  const totals: Totals = {
    logins: 0,
    failures: 0,
    timedMs: 0,
    user: 0,
    system: 0,
    ceilingLogins: 0,
    ceilingMs: 0,
    ceilingStartNs: 0,
    ceilingFinishNs: 0,
  };
  const first = challenges(halves[0] as number[], totals);
  await phase(first.tasks);
  let pending = finishClients(first.logins, totals);
  for (let half = 1; totals.timedMs < seconds * 1000; half = 1 - half) {
    const next = challenges(halves[half] as number[], totals);
    const auth = authentications(pending, totals, true);
    await phase(
      auth.flatMap((task, i) => [task, ...(next.tasks[i] ? [next.tasks[i] as Task] : [])]).concat(next.tasks.slice(auth.length)),
      totals,
    );
    pending = finishClients(next.logins, totals);
  }
  await phase(authentications(pending, totals, false));
  return totals;
}

/**
 * The main thread's time spent runnable but not running (/proc/self/schedstat, field 2). On this
 * VM it is mostly the wake-up of a halted virtual CPU: when every login waits for Postgres, the
 * core halts, and the next answer takes a while to get it running again.
 */
function runQueueWaitNs(): number {
  return Number(readFileSync("/proc/self/schedstat", "utf8").trim().split(" ")[1] ?? 0);
}

async function nextLine(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const _ of lines) break;
  lines.close();
}

try {
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  process.stdout.write(`${JSON.stringify({ event: "measure-start" })}\n`);
  await nextLine();
  const waitedBefore = runQueueWaitNs();
  const totals = await run(options.durationSeconds);
  const runQueueWaitMs = (runQueueWaitNs() - waitedBefore) / 1e6;
  const processCpuUs = totals.user + totals.system;
  const result: CoreLoginResult = {
    logins: totals.logins,
    failures: totals.failures,
    timedMs: totals.timedMs,
    loginsPerSecond: totals.logins / (totals.timedMs / 1000),
    processCpuUs,
    processSystemUs: totals.system,
    serverCpuPerLoginUs: processCpuUs / totals.logins,
    cpuPercent: (processCpuUs / 1000 / totals.timedMs) * 100,
    runQueueWaitMs,
    ceilingLogins: totals.ceilingLogins,
    ceilingMs: totals.ceilingMs,
    ceilingLoginsPerSecond: totals.ceilingLogins / (totals.ceilingMs / 1000),
    ceilingStartLoginUs: totals.ceilingStartNs / totals.ceilingLogins / 1000,
    ceilingFinishLoginUs: totals.ceilingFinishNs / totals.ceilingLogins / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await close();
}
