// The server side of a login without the transport: the two calls the Get Challenge and
// Authenticate handlers make (src/api/auth/auth-service.ts → OpaqueLogin.challenge and
// OpaqueLogin.authenticate, with the same scope resolution), in-process, against the benchmark's
// database with the server's KEK. bench/auth-bench.ts runs it on the server's core while the HTTP
// server is idle, right after the login scenario: it measures what the issue asks for literally —
// logins per second server side, with the client messages prepared outside the timed loop — and
// splits a login's server cost into "the login itself" (OPAQUE, the login's statements, its checks,
// audit events) and "the transport" (HTTP, Fastify, REST transcoding, interceptors, protobuf).
//
// KE3 needs KE2, so the logins run in rounds of one login per user, each round in two timed
// phases with the client's work between them, untimed:
//
//   untimed  KE1 for every user (client.startLogin)
//   timed    Get Challenge for every user (`loops` at a time, each with its own client address)
//   untimed  KE3 for every user (client.finishLogin on its KE2)
//   timed    Authenticate for every user (`loops` at a time)
//
// Logins per second = logins / time in the timed phases — wall clock, like the ceiling's. Each
// user has one guess outstanding at a time, as in a real login, so no throttle delay kicks in.
// Between the phases the core is briefly idle while the last requests of a phase wait for
// Postgres; with 50 users a phase lasts ≈ 100 ms and that tail is a few percent of it.
//
// Protocol on stdout: `{"event":"measure-start"}` after the warm-up, then it waits for one line on
// stdin (the launcher pins the Postgres backends this process opened), then one JSON line
// (CoreLoginResult). Progress and errors on stderr.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { loadConfig } from "../src/config/config.js";
import { loadKeyring } from "../src/crypto/key-encryption-key.js";
import { AuthEventRecorder } from "../src/domain/login/auth-events.js";
import { type CallerInfo, OpaqueLogin } from "../src/domain/login/opaque-login.js";
import { OpaqueSetups } from "../src/domain/login/opaque-setups.js";
import { createLogger } from "../src/logging/logger.js";
import { openDatabase } from "../src/persistence/database.js";
import { type BenchUser, ke3Of, opaqueReady, type PreparedKe1, prepareKe1 } from "./auth-opaque-client.js";

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
}

const options = JSON.parse(process.argv[2] ?? "null") as CoreLoginOptions;
if (!options) throw new Error("usage: auth-login-core.ts '<CoreLoginOptions JSON>'");
await opaqueReady;

const dataDir = mkdtempSync(join(tmpdir(), "svault-login-core-"));
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: options.databaseUrl,
  SVAULT_KEK: options.kek,
  PUBLIC_URL: options.publicUrl,
  LOG_LEVEL: "warn",
  SVAULT_ENV: "bench",
});
const logger = createLogger(config.logLevel, process.stderr);
const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
const database = await openDatabase(config, logger);
const events = new AuthEventRecorder(database.orm, logger);
const issuerOf = (tenantId: string) => `${config.publicUrl}/${tenantId}`;
const login = new OpaqueLogin({ orm: database.orm, keyring, setups: new OpaqueSetups(keyring), events, issuerOf });
const issuer = issuerOf(options.tenantId);

const scopeInput = { tenantId: options.tenantId, authReqId: "" };
const loops = Math.max(1, Math.min(options.loops, options.users.length));
const callers = Array.from({ length: loops }, (_, i) => ({ ip: `10.88.${Math.floor(i / 250)}.${(i % 250) + 1}`, userAgent: "bench-core" }));

interface Totals {
  logins: number;
  failures: number;
  timedMs: number;
  user: number;
  system: number;
}

function failed(totals: Totals, error: unknown): void {
  totals.failures++;
  if (totals.failures <= 3) process.stderr.write(`[core] login failed: ${error instanceof Error ? error.message : String(error)}\n`);
}

/** Runs `step` for every index, `loops` at a time (worker w is caller w); adds its wall and CPU time. */
async function timedPhase(totals: Totals, count: number, step: (index: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    callers.map(async (_, worker) => {
      for (let index = next++; index < count; index = next++) await step(index, worker);
    }),
  );
  totals.timedMs += performance.now() - t0;
  const used = process.cpuUsage(cpu);
  totals.user += used.user;
  totals.system += used.system;
}

/** One login per user: KE1s, the Get Challenge phase, KE3s, the Authenticate phase. */
async function round(totals: Totals): Promise<void> {
  const users = options.users;
  const ke1s = users.map((user) => prepareKe1(user.secret));
  const callerOf: number[] = new Array(users.length);
  const answers: (string | undefined)[] = new Array(users.length);
  await timedPhase(totals, users.length, async (i, worker) => {
    callerOf[i] = worker;
    try {
      const scope = await login.scopeOf(scopeInput, config.defaultTenant);
      answers[i] = (
        await login.challenge(scope, (users[i] as BenchUser).username, (ke1s[i] as PreparedKe1).cipherKey, callers[worker] as CallerInfo)
      ).challengeData;
    } catch (error) {
      failed(totals, error);
    }
  });
  const ke3s = users.map((user, i) => {
    const answer = answers[i];
    return answer === undefined ? undefined : ke3Of(ke1s[i] as PreparedKe1, user, answer, issuer, options.tenantId);
  });
  const pending = ke3s.flatMap((ke3, i) => (ke3 ? [i] : []));
  totals.failures += users.length - pending.length - answers.filter((a) => a === undefined).length; // KE2 did not verify
  await timedPhase(totals, pending.length, async (n) => {
    const i = pending[n] as number;
    const ke3 = ke3s[i] as { challengeId: string; ke3: string };
    try {
      const scope = await login.scopeOf(scopeInput, config.defaultTenant);
      await login.authenticate(
        scope,
        {
          username: (users[i] as BenchUser).username,
          cipherKey: (ke1s[i] as PreparedKe1).cipherKey,
          challengeId: ke3.challengeId,
          ke3: ke3.ke3,
        },
        callers[callerOf[i] as number] as CallerInfo, // the address that asked for the challenge
      );
      totals.logins++;
    } catch (error) {
      failed(totals, error);
    }
  });
}

async function run(seconds: number): Promise<Totals> {
  const totals: Totals = { logins: 0, failures: 0, timedMs: 0, user: 0, system: 0 };
  while (totals.timedMs < seconds * 1000) await round(totals);
  return totals;
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
  const totals = await run(options.durationSeconds);
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
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await events.flush();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
