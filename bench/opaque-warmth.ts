// Does OPAQUE's wasm run slower when the core did other work just before it? The server's profile
// gives ≈ 100–130 µs more wasm per login than the ceiling's hot loop (bench/opaque-ceiling.ts),
// which runs `server.startLogin` + `server.finishLogin` back to back. This harness times the two
// calls themselves, in one process, after different kinds of work — all kinds in turn, login by
// login, so every kind samples the same moments of this shared VM and the comparison holds on a
// loaded machine (the medians resist preemption; the means are reported beside them).
//
// Kinds of work before each timed call (startLogin and finishLogin are each preceded by it, as
// in the server, where they run in two different requests):
//   hot    another login, untimed (the ceiling: the wasm follows the wasm)
//   js     server-like JavaScript: JSON bodies parsed and written, objects and Maps, base64, a
//          SHA-256, over a 50k-entry Map kept alive (the server's heap working set)
//   mem    a walk over 16 MiB (every cache line, 4× the L2): caches and TLB emptied of the wasm
//   gc     8 MiB of short-lived objects (young-generation collections, as under load)
//   idle   the thread sleeps 1 ms (Atomics.wait): the core halts, or another process runs on it
// Each timed call goes through a function of its own per kind (startAfter_hot, …), so that a
// --cpu-prof profile of this process gives each kind's wasm self time apart (--profile-check).
//
//   node --expose-gc --max-old-space-size=768 --import tsx bench/opaque-warmth.ts \
//     [--seconds 20] [--users 16] [--kinds hot,js,mem,gc,idle] [--count N]
//
// --count N runs exactly N rounds (for callgrind: fixed work) instead of --seconds; --filler-only
// drops the timed logins (so that a callgrind run of "filler only" and one of "hot logins only"
// can be subtracted from "both": bench/opaque-warmth-cg.sh); --callgrind-toggle turns callgrind's
// collection on for the counted rounds only. Prints one JSON line per kind: the count, medians and
// means of each call's wall time and the mean CPU time of the two calls (process.cpuUsage, so
// V8's background threads too), in µs. Read the medians: on a shared machine the means carry
// other processes' time slices.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import * as opaque from "@serenity-kit/opaque";
import { type PreparedLogin, prepareLogin, registerLocally, serverFinishLogin, serverStartLogin } from "./opaque-ceiling.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    users: { type: "string", default: "16" },
    kinds: { type: "string", default: "hot,js,mem,gc,idle" },
    count: { type: "string" },
    "filler-only": { type: "boolean", default: false },
    "callgrind-toggle": { type: "boolean", default: false },
    warmup: { type: "string", default: "400" },
  },
});

await opaque.ready;

// --- material: a server setup and registered users, made here (no database needed) ------------
const serverSetup = opaque.server.createSetup();
const prepared: PreparedLogin[] = [];
for (let u = 0; u < Number(args.users); u++) {
  const password = `secret-${u}-${"x".repeat(20)}`;
  const userIdentifier = `credential-${u}`;
  const identifiers = { client: `tenant:user-${u}`, server: "https://issuer.example/t/tenant" };
  const registrationRecord = registerLocally(serverSetup, userIdentifier, identifiers, password);
  prepared.push(prepareLogin({ serverSetup, registrationRecord, userIdentifier, identifiers, password }));
}
let nextUser = 0;
const user = () => prepared[nextUser++ % prepared.length] as PreparedLogin;
const start = (p: PreparedLogin) => serverStartLogin(serverSetup, p);
const finish = serverFinishLogin;

// --- the kinds of work before a call ---------------------------------------------------------
const workingSet = new Map<string, { id: string; n: number; tags: string[] }>();
for (let i = 0; i < 50_000; i++) workingSet.set(`key-${i}`, { id: `id-${i}`, n: i, tags: [`t${i % 7}`] });
const body = JSON.stringify({
  username: "someone@example.com",
  cipherKey: `login:${"A".repeat(128)}`,
  authReqId: "r".repeat(32),
  logData: { ua: "Mozilla/5.0 (X11; Linux x86_64)", lang: "en" },
});
let sink = 0;
function serverLikeJs(): void {
  for (let r = 0; r < 40; r++) {
    const parsed = JSON.parse(body) as { username: string; cipherKey: string };
    const entry = workingSet.get(`key-${(Math.random() * 50_000) | 0}`);
    const answer = {
      challengeData: Buffer.from(parsed.cipherKey).toString("base64"),
      protoVersion: "1",
      headers: new Map([
        ["content-type", "application/json"],
        ["x-request-id", `${r}-${entry?.id}`],
      ]),
    };
    sink += JSON.stringify({ ...answer, headers: [...answer.headers] }).length + (entry?.n ?? 0);
    workingSet.set(`key-${(Math.random() * 50_000) | 0}`, { id: parsed.username, n: r, tags: [] });
  }
}
const walk = new Float64Array((16 * 1024 * 1024) / 8);
function memoryWalk(): void {
  for (let i = 0; i < walk.length; i += 8) walk[i] = (walk[i] as number) + 1;
}
function youngGarbage(): void {
  let keep: unknown[] = [];
  for (let i = 0; i < 8 * 1024; i++) {
    const chunk = new Array(16);
    for (let j = 0; j < 16; j++) chunk[j] = { i, j };
    if (i % 512 === 0) keep = [chunk];
  }
  sink += keep.length;
}
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function idle(): void {
  Atomics.wait(sleeper, 0, 0, 1);
}

// One pair of functions per kind, so that a CPU profile can tell the kinds' wasm apart.
type Call = (p: PreparedLogin) => unknown;
const timedStart: Record<string, Call> = {
  hot: function startAfter_hot(p) {
    return start(p);
  },
  js: function startAfter_js(p) {
    return start(p);
  },
  mem: function startAfter_mem(p) {
    return start(p);
  },
  gc: function startAfter_gc(p) {
    return start(p);
  },
  idle: function startAfter_idle(p) {
    return start(p);
  },
};
const timedFinish: Record<string, Call> = {
  hot: function finishAfter_hot(p) {
    return finish(p);
  },
  js: function finishAfter_js(p) {
    return finish(p);
  },
  mem: function finishAfter_mem(p) {
    return finish(p);
  },
  gc: function finishAfter_gc(p) {
    return finish(p);
  },
  idle: function finishAfter_idle(p) {
    return finish(p);
  },
};
const fillerBeforeStart: Record<string, () => void> = {
  hot: () => {
    const p = user();
    start(p);
    finish(p);
  },
  js: serverLikeJs,
  mem: memoryWalk,
  gc: youngGarbage,
  idle,
};
// In the hot kind the wasm runs right before finishLogin too (the ceiling's startLogin).
const fillerBeforeFinish: Record<string, () => void> = { ...fillerBeforeStart, hot: () => {} };

const kinds = (args.kinds as string).split(",");
for (const k of kinds) if (!timedStart[k]) throw new Error(`unknown kind ${k}`);
const samples = new Map(kinds.map((k) => [k, { start: [] as number[], finish: [] as number[], cpuUs: 0 }]));
// CPU time (user + system, process-wide: the profiler's thread too when there is one) around the
// timed calls: unlike the wall clock it leaves out the time another process had the core.
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function round(record: boolean): void {
  // Rotate the order so that no kind always follows the same other kind.
  const offset = nextUser % kinds.length;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[(i + offset) % kinds.length] as string;
    const p = user();
    (fillerBeforeStart[k] as () => void)();
    if (args["filler-only"]) {
      (fillerBeforeFinish[k] as () => void)();
      continue;
    }
    const c0 = cpuNow();
    const t0 = performance.now();
    (timedStart[k] as Call)(p);
    const t1 = performance.now();
    const c1 = cpuNow();
    (fillerBeforeFinish[k] as () => void)();
    const c2 = cpuNow();
    const t2 = performance.now();
    (timedFinish[k] as Call)(p);
    const t3 = performance.now();
    const c3 = cpuNow();
    if (record) {
      const s = samples.get(k) as { start: number[]; finish: number[]; cpuUs: number };
      s.start.push((t1 - t0) * 1000);
      s.finish.push((t3 - t2) * 1000);
      s.cpuUs += c1 - c0 + (c3 - c2);
    }
  }
}

// Warm-up: enough logins for V8's dynamic tiering to have moved the hot wasm to TurboFan.
for (let i = 0; i < Number(args.warmup); i++) round(false);

if (args["callgrind-toggle"]) {
  const { execSync } = await import("node:child_process");
  execSync(`callgrind_control -z ${process.pid} >/dev/null; callgrind_control -i on ${process.pid} >/dev/null`);
}
const began = performance.now();
if (args.count) for (let i = 0; i < Number(args.count); i++) round(true);
else while (performance.now() - began < Number(args.seconds) * 1000) round(true);
if (args["callgrind-toggle"]) {
  const { execSync } = await import("node:child_process");
  execSync(`callgrind_control -i off ${process.pid} >/dev/null; callgrind_control -d ${process.pid} >/dev/null`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fixed = (x: number) => Math.round(x * 10) / 10;
for (const [k, s] of samples) {
  if (s.start.length === 0) continue;
  const both = s.start.map((x, i) => x + (s.finish[i] as number));
  process.stdout.write(
    `${JSON.stringify({
      kind: k,
      n: s.start.length,
      startMedianUs: fixed(median(s.start)),
      finishMedianUs: fixed(median(s.finish)),
      loginMedianUs: fixed(median(both)),
      startMeanUs: fixed(mean(s.start)),
      finishMeanUs: fixed(mean(s.finish)),
      loginMeanUs: fixed(mean(both)),
      loginCpuMeanUs: fixed(s.cpuUs / s.start.length),
    })}\n`,
  );
}
if (sink === 0.5) process.stdout.write("\n");
