// Instructions per login of a checkout's in-process login: the two calls behind the Get Challenge
// and Authenticate handlers (OpaqueLogin.challenge and .authenticate, with the scope resolution,
// as bench/auth-login-core.ts makes them), counted by valgrind's callgrind, which the machine's
// load does not inflate as it does CPU time (docs/performance.md, "The login's own code").
//
// It makes a fresh database (bench/database.ts), the tenant and USERS users through DIR's real
// server (bench/auth-bench-server.ts, not counted), stops it, then runs this file again as the
// counted child, under callgrind with instrumentation off, from DIR (its sources are imported
// from DIR, so a baseline worktree needs no copy of this file). The child warms up, then for each
// round: the users' KE1s (untimed), their Get Challenges (counted), their KE3s (untimed), their
// Authenticates (counted) — instrumentation is switched on and off around the counted parts by
// the launcher (callgrind_control), between two lines on the child's stdin/stdout.
//
// The main thread's count still moves by ±3 % between runs of the same code, mostly with
// TurboFan's compiles and the old generation's GC landing in a window or not: both are reported,
// and the main thread's count without them is the one to compare (±0.6 % between runs).
//
// Node runs with --no-concurrent-recompilation, --single-threaded-gc and --no-liftoff: the
// optimising compiler's and the garbage collector's work land on the main thread, where they can
// be told apart, and the wasm is optimised from the start. The OPAQUE wasm is most of the count
// (the ceiling), so compare two checkouts as pairs run side by side (their timers — the audit
// trail's 200 ms flush, the change feed's heartbeat — then fire about as often in both) and look
// at the difference. --plain runs the child without valgrind (to check that it works); with
// --cpu-prof PROFILE_DIR too, it writes the child's V8 CPU profile there (the counted parts are
// the calls under `challenge` and `authenticate`; the client's KE1/KE3 work is in the same
// profile, under bench/auth-opaque-client.ts).
//
//   node --import tsx bench/login-instructions.ts DIR [--users 20] [--rounds 3] [--warm 6] [--conc 4]
//   node --import tsx bench/login-instructions.ts DIR --plain --cpu-prof PROFILE_DIR [--rounds 100] [--warm 40]
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { performance, PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { callgrindArgs } from "./bench-machine.js";
import { runDependent } from "./callgrind-run-dependent.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    child: { type: "boolean" },
    plain: { type: "boolean" },
    users: { type: "string" },
    rounds: { type: "string" },
    warm: { type: "string" },
    conc: { type: "string" },
    "cpu-prof": { type: "string" },
    allocations: { type: "boolean" },
    "heap-sampling": { type: "string" },
  },
});

interface ChildOptions {
  readonly databaseUrl: string;
  readonly kek: string;
  readonly publicUrl: string;
  readonly tenantId: string;
  readonly users: readonly { username: string; secret: string }[];
  readonly rounds: number;
  readonly warm: number;
  readonly conc: number;
  /** A full collection before each counted part (not when profiling: the profile's GC is then the logins' own). */
  readonly fullGc: boolean;
  /** Measure the JavaScript heap's growth over the counted parts (--allocations) instead of instructions. */
  readonly allocations: boolean;
  /** --heap-sampling FILE: V8's sampling heap profile of the counted rounds, garbage included, written to FILE. */
  readonly heapSampling: string | undefined;
}

if (args.child) await child();
else await launcher();

async function launcher(): Promise<void> {
  const { createBenchDatabase } = await import("./database.js");
  const { benchUsers, createTenantAndClient, registerUsers } = await import("./auth-setup.js");
  const { issueApiKey } = await import("../src/domain/auth/api-key-secret.js");
  const dir = resolve(positionals[0] ?? ".");
  const users = benchUsers(Number(args.users ?? 20));
  const db = await createBenchDatabase();
  const kek = randomBytes(32).toString("base64");
  const adminKey = issueApiKey().key;
  const env = { ...process.env, DATABASE_URL: db.url, SVAULT_KEK: kek, LOG_LEVEL: "warn" };
  try {
    // The fixtures, through the real API of DIR's server (not counted).
    const server = spawn(process.execPath, ["--import", "tsx", `${dir}/bench/auth-bench-server.ts`], {
      cwd: dir,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...env, PORT: "0", PUBLIC_URL: "http://127.0.0.1:0", SVAULT_BOOTSTRAP_API_KEY: adminKey, TRUST_PROXY_HOPS: "1" },
    });
    const ready = await new Promise<{ port: number }>((done, fail) => {
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).once("line", (line) => done(JSON.parse(line)));
      server.once("exit", (code) => fail(new Error(`the fixture server exited with ${code}`)));
    });
    const baseUrl = `http://127.0.0.1:${ready.port}`;
    const tenantId = "bench";
    const target = { baseUrl, issuer: `${baseUrl}/${tenantId}`, tenantId };
    await createTenantAndClient(target, adminKey);
    await registerUsers(target, users);
    server.kill("SIGTERM");
    await new Promise((done) => server.once("exit", done));
    await db.analyze();

    const outDir = `/tmp/login-instructions/${Date.now()}`;
    mkdirSync(outDir, { recursive: true });
    const options: ChildOptions = {
      databaseUrl: db.url,
      kek,
      publicUrl: baseUrl,
      tenantId,
      users,
      rounds: Number(args.rounds ?? 3),
      warm: Number(args.warm ?? 6),
      conc: Number(args.conc ?? 4),
      fullGc: !args["cpu-prof"],
      allocations: args.allocations === true,
      heapSampling: args["heap-sampling"] === undefined ? undefined : resolve(args["heap-sampling"]),
    };
    const nodeArgs = [
      // V8 compiles and collects on background threads unless told otherwise: how soon depends on
      // the load, so the tiers (and the GC's share of the main thread) would differ between runs.
      // The wasm is compiled once by the optimising compiler (no Liftoff tier to leave at a
      // load-dependent moment).
      "--no-concurrent-recompilation",
      "--single-threaded-gc",
      "--no-liftoff",
      "--expose-gc",
      ...(args.plain && args["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", resolve(args["cpu-prof"])] : []),
      // --allocations: a young generation large enough that no scavenge runs inside a counted part,
      // so that the heap's growth over it is what the logins allocated.
      ...(args.plain && args.allocations ? ["--min-semi-space-size=64", "--max-semi-space-size=64"] : []),
      "--import",
      "tsx",
      new URL(import.meta.url).pathname,
      "--child",
    ];
    const counted = spawn(args.plain ? process.execPath : "valgrind", args.plain ? nodeArgs : callgrindArgs(outDir, nodeArgs), {
      cwd: dir,
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...env, LOGIN_INSTRUCTIONS: JSON.stringify(options) },
    });
    const pid = String(counted.pid);
    let logins = 0;
    for await (const line of createInterface({ input: counted.stdout as NodeJS.ReadableStream })) {
      const message = JSON.parse(line) as { event: "on" | "off" | "done"; logins?: number; allocated?: number; collections?: number };
      if (args.plain) {
        if (message.event === "done") logins = message.logins ?? 0;
        if (message.event === "done" && message.allocated !== undefined)
          console.log(
            `${dir}: ${(message.allocated / logins).toFixed(0)} bytes of JavaScript heap allocated per login ` +
              `(${message.collections} collections inside counted parts: must be 0) over ${logins} logins`,
          );
      } else if (message.event === "on") execFileSync("callgrind_control", ["-i", "on", pid], { stdio: "ignore" });
      else if (message.event === "off") execFileSync("callgrind_control", ["-i", "off", pid], { stdio: "ignore" });
      else if (message.event === "done") {
        logins = message.logins ?? 0;
        execFileSync("callgrind_control", ["-d", pid], { stdio: "ignore" });
      }
      (counted.stdin as NodeJS.WritableStream).write("\n");
    }
    await new Promise((done) => (counted.exitCode === null ? counted.once("exit", done) : done(undefined)));
    if (args.plain) {
      console.log(`${dir}: ${logins} logins without valgrind`);
      return;
    }
    const parts = readdirSync(outDir).filter((file) => /\.1-\d+$/.test(file));
    const totalOf = (file: string) => Number(/totals: (\d+)/.exec(readFileSync(`${outDir}/${file}`, "utf8"))?.[1] ?? 0);
    const all = parts.reduce((sum, file) => sum + totalOf(file), 0);
    const mainFile = parts.find((file) => file.endsWith("-01")) as string;
    const main = totalOf(mainFile);
    const noise = runDependent(`${outDir}/${mainFile}`);
    const perLogin = (instructions: number) => (instructions / logins).toFixed(0);
    console.log(
      `${dir}: instructions/login ${perLogin(all)} (main thread ${perLogin(main)}; of it optimising compiler ` +
        `${perLogin(noise.compiler)}, major GC ${perLogin(noise.majorGc)}; main thread without them ` +
        `${perLogin(main - noise.compiler - noise.majorGc)}) over ${logins} logins`,
    );
  } finally {
    await db.drop();
  }
}

async function child(): Promise<void> {
  const options = JSON.parse(process.env.LOGIN_INSTRUCTIONS as string) as ChildOptions;
  const dir = process.cwd();
  const from = async <T>(path: string): Promise<T> => (await import(pathToFileURL(`${dir}/${path}`).href)) as T;
  const client = await from<typeof import("./auth-opaque-client.js")>("bench/auth-opaque-client.ts");
  await client.opaqueReady;

  const { openInProcessLogin } = await import("./in-process-login.js");
  const { login, issuerOf, defaultTenant, close } = await openInProcessLogin(dir, options);
  const issuer = issuerOf(options.tenantId);
  const scopeInput = { tenantId: options.tenantId, authReqId: "" };
  const callerOf = (i: number) => ({ ip: `10.88.0.${(i % options.conc) + 1}`, userAgent: "bench-instructions" });

  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  /** Tells the launcher, and waits until it has switched instrumentation. */
  const tell = async (event: string, extra: Record<string, unknown> = {}) => {
    // A full collection before each counted part, uncounted: a major GC is due every few hundred
    // logins, and one landing in a window of 20 or not moved the count per login by ±10 %. The
    // counted parts then hold the young generation's collections of the logins' garbage (their
    // share of the old generation's is left out).
    if (event === "on" && options.fullGc) (globalThis as { gc?: () => void }).gc?.();
    if (options.allocations && event === "on") {
      heapAtOn = getHeapStatistics().used_heap_size;
      windows.push([performance.now(), Number.POSITIVE_INFINITY]);
    }
    if (options.allocations && event === "off") {
      allocated += getHeapStatistics().used_heap_size - heapAtOn;
      (windows.at(-1) as [number, number])[1] = performance.now();
    }
    if (options.allocations && event === "done") {
      await new Promise((done) => setTimeout(done, 50)); // the observer's last entries
      const collections = gcStarts.filter((at) => windows.some(([from, to]) => at >= from && at <= to)).length;
      Object.assign(extra, { allocated, collections });
    }
    process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);
    await lines.next();
  };
  // --allocations: the heap's growth over the counted parts, and the collections inside them.
  let heapAtOn = 0;
  let allocated = 0;
  const windows: [number, number][] = [];
  const gcStarts: number[] = [];
  if (options.allocations) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
    }).observe({ entryTypes: ["gc"] });
  }
  const inParallel = async (count: number, work: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.conc }, async () => {
        for (let i = next++; i < count; i = next++) await work(i);
      }),
    );
  };

  let logins = 0;
  async function round(counted: boolean): Promise<void> {
    const users = options.users;
    const ke1s = users.map((user) => client.prepareKe1(user.secret));
    const answers: string[] = new Array(users.length);
    if (counted) await tell("on");
    await inParallel(users.length, async (i) => {
      const scope = await login.scopeOf(scopeInput, defaultTenant);
      const user = users[i] as (typeof users)[number];
      answers[i] = (await login.challenge(scope, user.username, (ke1s[i] as { cipherKey: string }).cipherKey, callerOf(i))).challengeData;
    });
    if (counted) await tell("off");
    const ke3s = users.map((user, i) => {
      const ke3 = client.ke3Of(ke1s[i] as never, user, answers[i] as string, issuer, options.tenantId);
      if (!ke3) throw new Error(`KE2 of ${user.username} did not verify`);
      return ke3;
    });
    if (counted) await tell("on");
    await inParallel(users.length, async (i) => {
      const scope = await login.scopeOf(scopeInput, defaultTenant);
      const user = users[i] as (typeof users)[number];
      const input = { username: user.username, cipherKey: (ke1s[i] as { cipherKey: string }).cipherKey, ...(ke3s[i] as object) };
      await login.authenticate(scope, input as never, callerOf(i));
      if (counted) logins++;
    });
    if (counted) await tell("off");
  }

  try {
    for (let i = 0; i < options.warm; i++) {
      await round(false);
      process.stderr.write(`[login-instructions] warm-up round ${i + 1} of ${options.warm}\n`);
    }
    const sampling = options.heapSampling === undefined ? undefined : await startHeapSampling();
    for (let i = 0; i < options.rounds; i++) {
      await round(true);
      process.stderr.write(`[login-instructions] counted round ${i + 1} of ${options.rounds}\n`);
    }
    if (sampling) writeFileSync(options.heapSampling as string, JSON.stringify(await sampling()));
    await tell("done", { logins });
  } finally {
    await close();
    process.stdin.destroy();
  }
}

/**
 * Starts V8's sampling heap profiler with the objects that minor and major collections freed kept
 * in the profile (the logins' garbage is what this looks for); the function returned stops it and
 * gives the profile (a .heapprofile, for Chrome's DevTools or a script).
 */
async function startHeapSampling(): Promise<() => Promise<unknown>> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 128,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    session.disconnect();
    return profile;
  };
}
