// Instructions per request of a checkout's server, counted by valgrind's callgrind, which the
// machine's load does not inflate as it does CPU time per request (docs/performance.md,
// "client_credentials: the token endpoint's remaining cost"). It starts DIR's
// bench/auth-bench-server.ts on a fresh database (bench/database.ts) under callgrind with
// instrumentation off, makes the tenant and client of bench:auth (and, for the login, its users),
// warms the server with --warm requests (--conc keep-alive connections, default 8), turns
// instrumentation on, zeroes the counters and counts --windows windows (default 1) of --n requests
// of one endpoint each: the main thread's instructions per request less the idle server's own work
// (its timers, counted for 15 s after the windows), each window's, their mean and their median. Even so, runs
// of the same code differ by several per cent (docs/performance.md): alternate, and compare
// several pairs.
//
// --endpoint (default client_credentials):
//   client_credentials  POST /{tenant}/token, client_secret_basic (a form body)
//   jwks                GET /{tenant}/.well-known/jwks.json (answered from memory)
//   jwks-plain          the same JWKS answer from a plain route of the same server
//                       (/__bench/copy/…, bench/auth-bench-server.ts): every hook, no RPC spine
//   discovery           GET /{tenant}/.well-known/openid-configuration (answered from memory)
//   login               POST /api/v1/auth/challenge then /api/v1/auth/authenticate (JSON bodies,
//                       bench:auth's REST login loops): per request, half a login; the server's
//                       OPAQUE work (wasm) is counted in it, the client's runs in this process
//
// --rung RUNG (with --built and --endpoint jwks) counts another server's JWKS answer instead of
// svault's, for the ladder of bench:spine-floor in instructions: a lower rung of it
// (bench/spine-floor-server.ts: node-http, fastify, fastify+headers, fastify+accounting,
// fastify+cors), each answering FLOOR_JWKS_ANSWER below, or `peer` (oidc-provider with its
// in-memory adapter, bench/peer/peer-server.ts, answering its own JWKS at /jwks, run as bench:peer
// runs it: plain node).
//
//   node --import tsx bench/request-instructions.ts DIR --valgrind [--endpoint jwks] [--n 800] [--warm 3000] [--windows 5]
//   node --import tsx bench/request-instructions.ts DIR --valgrind --built --endpoint jwks --rung peer
//   node --import tsx bench/request-instructions.ts DIR   (CPU µs per request instead, server pinned to CPU 0)
//
// --built runs DIR compiled as production runs it, with `npm start`'s node flags
// (bench/spine-floor-build.ts) instead of through tsx with V8's defaults (--reuse-build: the build an
// earlier run made, not rebuilt under a server still running from it); --cpu-prof PROFDIR adds
// `--cpu-prof` (without --valgrind) and names the measured window in PROFDIR/window.json for
// bench/cpu-profile-summary.ts.
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { createBenchDatabase } from "./database.js";
import { benchUsers, createTenantAndClient, registerUsers } from "./auth-setup.js";
import { type BenchUser, opaqueReady, type PreparedKe1 } from "./auth-opaque-client.js";
import { loginOnce, prepareKe1s, restLogin, usersOfLoop } from "./auth-login-loops.js";
import { callgrindArgs, processCpuSeconds } from "./bench-machine.js";
import { compileCheckout } from "./spine-floor-build.js";

const ENDPOINTS = ["client_credentials", "jwks", "jwks-plain", "discovery", "login"] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    valgrind: { type: "boolean" },
    n: { type: "string" },
    warm: { type: "string" },
    conc: { type: "string" },
    endpoint: { type: "string" },
    windows: { type: "string" },
    built: { type: "boolean" },
    "reuse-build": { type: "boolean" },
    "cpu-prof": { type: "string" },
    rung: { type: "string" },
  },
});
const dir = positionals[0] as string;
const endpoint = (args.endpoint ?? "client_credentials") as Endpoint;
if (!ENDPOINTS.includes(endpoint)) throw new Error(`--endpoint: one of ${ENDPOINTS.join(", ")}`);
const IDLE_MS = 15000;
const N = Number(args.n ?? 2000),
  WARM = Number(args.warm ?? 1000),
  CONC = Number(args.conc ?? 8),
  WINDOWS = Number(args.windows ?? 1);
// An unknown rung is refused by bench/spine-floor-server.ts itself (its usage, on stderr).
const rung = args.rung;
if (rung !== undefined && (!args.built || endpoint !== "jwks")) throw new Error("--rung needs --built and --endpoint jwks");
/**
 * The answer of the lower rungs: a JWKS of two Ed25519 public keys (a tenant's keys while one is
 * rotated in) with the headers svault's JWKS answer carries besides those of the transport and the
 * hooks (bench/copied-headers.ts).
 */
const FLOOR_JWKS_ANSWER = {
  body: JSON.stringify({
    keys: ["a", "b"].map((id) => ({ kty: "OKP", crv: "Ed25519", x: id.repeat(43), kid: `key-${id}`, alg: "EdDSA", use: "sig" })),
  }),
  headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300", etag: `"${"e".repeat(27)}"` },
};
const db = await createBenchDatabase();
const kek = randomBytes(32).toString("base64");
const adminKey = issueApiKey().key;
const outDir = `/tmp/cc/cgout-${Date.now()}`;
execFileSync("mkdir", ["-p", outDir]);
const PUBLIC_URL = "http://127.0.0.1:0";
const built = args.built ? await compileCheckout(dir, (m) => console.error(m), args["reuse-build"]) : undefined;
const profileDir = args["cpu-prof"];
/** The server counted: svault (compiled, or through tsx), a lower rung of the ladder, or the peer. */
function serverArgs(): string[] {
  if (!built) return ["--import", "tsx", `${dir}/bench/auth-bench-server.ts`];
  if (rung === "peer") return [built.peerServer];
  if (rung !== undefined) return [...built.nodeFlags, built.spineFloorServer, rung, JSON.stringify(FLOOR_JWKS_ANSWER)];
  return [...built.nodeFlags, built.benchServer];
}
const nodeArgs = [...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []), ...serverArgs()];
const cmd = args.valgrind ? "valgrind" : "taskset";
const cmdArgs = args.valgrind
  ? callgrindArgs(outDir, ["--no-concurrent-recompilation", ...nodeArgs])
  : ["-c", "0", process.execPath, ...nodeArgs];
// V8 optimises on a background thread unless told otherwise: how soon depends on the load, and the
// main thread runs unoptimised code meanwhile, so counts moved by ±8 % between runs. Compiling on
// the main thread makes the tiers the same in every run (the compiler's own work lands in the warm-up).
const child = spawn(cmd, cmdArgs, {
  cwd: dir,
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    DATABASE_URL: db.url,
    PORT: "0",
    PUBLIC_URL,
    SVAULT_KEK: kek,
    SVAULT_BOOTSTRAP_API_KEY: adminKey,
    TRUST_PROXY_HOPS: "1",
    LOG_LEVEL: "warn",
    PEER_ADAPTER: "memory",
    PEER_CLIENT_SECRET: randomBytes(16).toString("hex"),
  },
});
// A failing driver must not leave its valgrinded server behind.
process.on("exit", () => child.kill("SIGKILL"));
const ready = await new Promise<{ port: number }>((resolve, reject) => {
  // The first JSON line (node flags such as --trace-gc may print before it; the rest go to stderr).
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const onLine = (l: string) => {
    if (!l.startsWith("{")) return process.stderr.write(`${l}\n`);
    lines.off("line", onLine).on("line", (later) => process.stderr.write(`${later}\n`));
    resolve(JSON.parse(l));
  };
  lines.on("line", onLine);
  child.once("exit", (c) => reject(new Error(`exit ${c}`)));
});
const base = `http://127.0.0.1:${ready.port}`;
const tenant = "bench";
// The issuer the server names (PUBLIC_URL above): the login's OPAQUE identifiers include it.
const target = { baseUrl: base, issuer: `${PUBLIC_URL}/${tenant}`, tenantId: tenant };
// Another rung than svault's answers without a tenant or a client.
const client = rung === undefined ? await createTenantAndClient(target, adminKey) : { basic: "" };
const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });

/** One request of a plain endpoint, expecting 200. */
function send(method: "GET" | "POST", path: string, headers: http.OutgoingHttpHeaders, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Loop `loop`'s next `count` requests of the endpoint (a login is two). */
async function loopOf(): Promise<(loop: number, count: number) => Promise<void>> {
  if (endpoint === "login") {
    await opaqueReady;
    const users = benchUsers(CONC * 2);
    await registerUsers(target, users);
    const prepared = prepareKe1s(users);
    const transport = restLogin(base, tenant);
    const rounds = new Array<number>(CONC).fill(0);
    return async (loop, count) => {
      const own = usersOfLoop(users, CONC, loop);
      for (let i = 0; i < count; i += 2) {
        const round = (rounds[loop] as number) + 1;
        rounds[loop] = round;
        const user = own[round % own.length] as BenchUser;
        const ke1s = prepared.get(user.username) as PreparedKe1[];
        const outcome = await loginOnce(transport, loop, user, ke1s[round % ke1s.length] as PreparedKe1, target.issuer, tenant);
        if (!outcome.ok) throw new Error(`login: ${outcome.kind} ${outcome.detail}`);
      }
    };
  }
  const one =
    endpoint === "client_credentials"
      ? () => {
          const body = "grant_type=client_credentials";
          return send(
            "POST",
            `/${tenant}/token`,
            { authorization: client.basic, "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
            body,
          );
        }
      : () =>
          send(
            "GET",
            rung === "peer"
              ? "/jwks"
              : `${endpoint === "jwks-plain" ? "/__bench/copy" : ""}/${tenant}/.well-known/${endpoint === "discovery" ? "openid-configuration" : "jwks.json"}`,
            { accept: "application/json" },
          );
  return async (_loop, count) => {
    for (let i = 0; i < count; i++) await one();
  };
}
const loop = await loopOf();
await db.analyze();

/** `n` requests over CONC loops, each taking its share. */
async function run(n: number) {
  await Promise.all(Array.from({ length: CONC }, (_, l) => loop(l, Math.floor(n / CONC) + (l < n % CONC ? 1 : 0))));
}
const pid = child.pid as number;
await run(WARM);
let result: string;
if (args.valgrind) {
  execFileSync("callgrind_control", ["-i", "on", String(pid)]);
  await run(50);
  execFileSync("callgrind_control", ["-z", String(pid)]);
  // WINDOWS windows of N requests one after the other, each dumped apart. A rare, large event (a
  // major garbage collection, a function compiled again) lands in one window or another by chance:
  // one window's count moved by ±40 % between windows of a run. The mean is the run's count per
  // request (the garbage collections are part of a request's cost); the median leaves such
  // events out.
  const windowMs: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const started = performance.now();
    await run(N);
    windowMs.push(performance.now() - started);
    execFileSync("callgrind_control", ["-d", String(pid)]);
  }
  // The idle server's own work (timers: heartbeats, the change feed) per second, to take out of the windows'.
  const idleStarted = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleMs = performance.now() - idleStarted;
  execFileSync("callgrind_control", ["-d", String(pid)]);
  await new Promise((r) => setTimeout(r, 1500));
  const mainThread = (part: number) => {
    const file = readdirSync(outDir).find((f) => f.endsWith(`.${part}-01`));
    return Number(/summary: (\d+)/.exec(readFileSync(`${outDir}/${file}`, "utf8"))?.[1] ?? 0);
  };
  const idlePerMs = mainThread(WINDOWS + 1) / idleMs;
  const perRequest = windowMs.map((ms, w) => (mainThread(w + 1) - idlePerMs * ms) / N);
  const sorted = [...perRequest].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const mean = perRequest.reduce((sum, v) => sum + v, 0) / WINDOWS;
  result = `${endpoint}: main thread instructions/request without the idle work: mean ${mean.toFixed(0)}, median ${median.toFixed(0)} of ${WINDOWS} windows [${perRequest.map((v) => v.toFixed(0)).join(" ")}]; idle ${(idlePerMs * 1000).toFixed(0)}/s; windows ${windowMs.map((ms) => ms.toFixed(0)).join(" ")} ms`;
} else {
  const c0 = processCpuSeconds(pid);
  const t0 = Date.now();
  const from = Number(process.hrtime.bigint() / 1000n);
  await run(N);
  const c1 = processCpuSeconds(pid);
  // The profile's timestamps are on the same monotonic clock (bench/cpu-profile-summary.ts --window).
  if (profileDir)
    writeFileSync(`${profileDir}/window.json`, JSON.stringify({ from, to: Number(process.hrtime.bigint() / 1000n), requests: N }));
  result = `${endpoint}: cpu µs/request ${(((c1 - c0) * 1e6) / N).toFixed(1)} (${(N / ((Date.now() - t0) / 1000)).toFixed(0)} req/s)`;
}
console.log(`${dir}${rung ? ` (rung ${rung})` : ""}: ${result}`);
agent.destroy();
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await db.drop();
