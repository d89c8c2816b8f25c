// `npm run bench:auth`: the benchmark of the hot authentication endpoints. Creates a fresh Postgres
// database, starts the real server (bench/auth-bench-server.ts) in a child process, sets up a
// tenant, a confidential client, users (registered with OPAQUE through the API) and OIDC code
// flows, then measures, each from a load-generator child (bench/auth-load.ts):
//
//   login               Get Challenge + Authenticate loops (OPAQUE §7) over REST, against the
//                       ceiling: the raw server.startLogin + server.finishLogin of
//                       bench/auth-ceiling.ts, run on the server's core while the server is idle
//                       (before and after the scenario)
//   login_grpc          the same loops over gRPC (@grpc/grpc-js, h2c, a client per loop; grpc-js
//                       shares one HTTP/2 connection among them), with a ceiling run after it
//   refresh             POST /{tenant}/token grant_type=refresh_token (one rotating chain per connection)
//   client_credentials  POST /{tenant}/token grant_type=client_credentials
//   userinfo            GET /{tenant}/userinfo with a bearer access token
//   jwks                GET /{tenant}/.well-known/jwks.json
//   discovery           GET /{tenant}/.well-known/openid-configuration
//
// Database statements are counted in the server (every node-pg query, every pipelined statement;
// a round trip each, except that pipelined statements asked for in the same tick share one) and
// reported per request, both under load (Δ statements / Δ requests, which includes the batched
// audit inserts and any background work) and for one request on the idle server (the exact
// statements it sent).
// With taskset the server and the ceiling are pinned to CPU 0, the load generators and this
// launcher to CPU 1, and so, during the HTTP scenarios, are the Postgres backends of the
// benchmark's database (--postgres-cpu): the database is another service, which in production
// runs on its own machine, and a backend that the server's write wakes would otherwise take the
// server's core from it. The in-process login (bench/auth-login-core.ts, after the login
// scenario: the two handler calls without HTTP, against the ceiling run in slices between its
// timed phases in the same process) leaves them free: see runCore. Markdown report on
// stdout, progress on stderr; exits 1 when any request failed.
import { type ChildProcess, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import type { CeilingOptions, CeilingResult } from "./auth-ceiling.js";
import type { CoreLoginOptions, CoreLoginResult } from "./auth-login-core.js";
import type { AuthLoaderEvent, AuthLoadOptions, AuthLoadResult, StepStats } from "./auth-load.js";
import { type BenchUser, ke3Of, loginUser, prepareKe1 } from "./auth-opaque-client.js";
import {
  type BenchClient,
  benchUsers,
  codeFlow,
  createTenantAndClient,
  type FlowTokens,
  inBatches,
  registerUsers,
  type Target,
} from "./auth-setup.js";
import {
  LOADER_CPU,
  SERVER_CPU,
  backendCpuDelta,
  backendCpuSeconds,
  backendsOutside,
  children,
  cores,
  cpuModel,
  exited,
  freePort,
  hasTaskset,
  pinBackends,
  machineBusySeconds,
  pinned,
  positive,
  processCpuSeconds,
  spawnNode,
  spawnService,
  stopChild,
} from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";
import { seedSvaultTokenHistory } from "./token-history.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    "login-loops": { type: "string" },
    users: { type: "string" },
    scenarios: { type: "string" },
    "cpu-prof": { type: "string" },
    "postgres-cpu": { type: "string" },
    "postgres-socket": { type: "string" },
    "core-postgres-cpu": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
const ALL = ["login", "login_grpc", "refresh", "client_credentials", "userinfo", "jwks", "discovery"] as const;
type ScenarioName = (typeof ALL)[number];
const LOGINS: readonly ScenarioName[] = ["login", "login_grpc"];
const isLogin = (name: ScenarioName) => LOGINS.includes(name);
const USAGE = `usage: npm run bench:auth -- [options]
  --duration S        measured seconds per scenario and per ceiling run (BENCH_DURATION, default 8)
  --warmup S          warm-up seconds per scenario (BENCH_WARMUP, default 2; the ceiling's runs too)
  --connections N     connections of the OIDC scenarios = refresh-token chains (BENCH_CONNECTIONS, default 16)
  --login-loops N     concurrent login loops (BENCH_LOGIN_LOOPS, default 16)
  --users N           users registered before timing (default 50)
  --scenarios LIST    a subset of ${ALL.join(",")}
  --cpu-prof DIR      run the server (and the in-process login) with node --cpu-prof, writing the profiles into DIR
  --postgres-cpu C    pin the database's Postgres backends to CPU C (default ${LOADER_CPU}, the load
                      generators' CPU), or "any" to leave them unpinned
  --core-postgres-cpu C  the same for the in-process login (default "any": see runCore)
  --postgres-socket D the server (and the in-process login) reach Postgres through the Unix
                      socket in directory D (e.g. /var/run/postgresql) instead of 127.0.0.1:5432
`;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const durationSeconds = positive("--duration", args.duration ?? process.env.BENCH_DURATION, 8);
const warmupSeconds = positive("--warmup", args.warmup ?? process.env.BENCH_WARMUP, 2);
const connections = Math.max(1, Math.round(positive("--connections", args.connections ?? process.env.BENCH_CONNECTIONS, 16)));
const loginLoops = Math.max(1, Math.round(positive("--login-loops", args["login-loops"] ?? process.env.BENCH_LOGIN_LOOPS, 16)));
const userCount = Math.max(1, Math.round(positive("--users", args.users, 50)));
const wanted = args.scenarios ? args.scenarios.split(",").map((s) => s.trim()) : [...ALL];
for (const name of wanted)
  if (!(ALL as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}" (${ALL.join(", ")})`);
const scenarios = ALL.filter((name) => wanted.includes(name));
const benchDir = new URL(".", import.meta.url).pathname;
const _projectDir = new URL("..", import.meta.url).pathname;
const TENANT = "bench";
const databaseCpu = args["postgres-cpu"] ?? LOADER_CPU;
if (databaseCpu !== "any" && !/^\d+$/.test(databaseCpu))
  throw new Error(`--postgres-cpu must be a CPU number or "any", got "${databaseCpu}"`);
const pinPostgres = pinned && databaseCpu !== "any";
const coreDatabaseCpu = args["core-postgres-cpu"] ?? "any";
if (coreDatabaseCpu !== "any" && !/^\d+$/.test(coreDatabaseCpu))
  throw new Error(`--core-postgres-cpu must be a CPU number or "any", got "${coreDatabaseCpu}"`);
const socketDir = args["postgres-socket"];

/** The URL the server is given for the benchmark database: TCP as created, or the Unix socket. */
function serverDatabaseUrl(url: string): string {
  if (!socketDir) return url;
  const viaSocket = new URL(url);
  viaSocket.searchParams.set("host", socketDir); // wins over the URL's host (src/persistence/database-url.ts)
  return viaSocket.toString();
}

// --- machine and CPU accounting (as bench/run.ts) -------------------------------------------------

if (pinned) spawnSync("taskset", ["-a", "-p", "-c", LOADER_CPU, String(process.pid)], { stdio: "ignore" });
const pinning = pinned
  ? `server and login ceiling pinned to CPU ${SERVER_CPU}, load generators (and the launcher) to CPU ${LOADER_CPU} with \`taskset\`; ` +
    (pinPostgres
      ? `the database's Postgres backends to CPU ${databaseCpu} (at the start of each measured window)`
      : "Postgres is not pinned")
  : hasTaskset
    ? "no pinning (a single CPU)"
    : "no pinning (`taskset` not found)";

// --- child processes --------------------------------------------------------------------------

function log(message: string): void {
  process.stderr.write(`[bench:auth] ${message}\n`);
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly baseUrl: string;
  /** The gRPC listener, `host:port`. */
  readonly grpcTarget: string;
  readonly database: string;
}

async function startServer(databaseUrl: string, database: string, kek: string, adminKey: string): Promise<ServerProcess> {
  const port = await freePort();
  const nodeArgs = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [];
  const child = spawnService([...nodeArgs, `${benchDir}auth-bench-server.ts`], {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SVAULT_KEK: kek,
    SVAULT_BOOTSTRAP_API_KEY: adminKey,
    // The login loops each present their own client address (X-Forwarded-For), as distinct users
    // behind one reverse proxy would; the throttle counts guesses per address.
    TRUST_PROXY_HOPS: "1",
    // The setup registers all its users from one address, within seconds.
    RATE_LIMIT_REGISTRATION_CHALLENGES: "off",
    LOG_LEVEL: "warn",
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = new Promise<{ port: number; grpcPort: number }>((resolve, reject) => {
    lines.once("line", (line) => {
      try {
        resolve(JSON.parse(line) as { port: number; grpcPort: number });
      } catch {
        reject(new Error(`bench server: unexpected output ${JSON.stringify(line)}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`bench server exited (${code}) before listening`)));
  });
  const answer = await ready;
  lines.on("line", (line) => log(`server: ${line}`));
  return {
    child,
    pid: child.pid as number,
    baseUrl: `http://127.0.0.1:${answer.port}`,
    grpcTarget: `127.0.0.1:${answer.grpcPort}`,
    database,
  };
}

// --- query counting ---------------------------------------------------------------------------

interface Counts {
  readonly queries: number;
  readonly requests: number;
}

async function counts(server: ServerProcess): Promise<Counts> {
  return (await (await fetch(`${server.baseUrl}/__bench/query-count`)).json()) as Counts;
}

async function statementsAfter(server: ServerProcess, seq: number): Promise<string[]> {
  const answer = (await (await fetch(`${server.baseUrl}/__bench/queries?after=${seq}`)).json()) as { statements: { sql: string }[] };
  return answer.statements.map((s) => s.sql);
}

/**
 * The statements one request sends, on the idle server. It first lets earlier work settle (the
 * audit events of a login are written in a batch 200 ms later), and reads the statements right
 * after the answer, so that the batch of this request is not counted either.
 */
async function probe(server: ServerProcess, label: string, request: () => Promise<Response>): Promise<Probe> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await counts(server);
  const res = await request();
  const text = await res.text();
  if (!res.ok) throw new Error(`probe ${label}: ${res.status} ${text.slice(0, 300)}`);
  const statements = await statementsAfter(server, before.queries);
  return { label, statements, body: text };
}

interface Probe {
  readonly label: string;
  readonly statements: readonly string[];
  readonly body: string;
}

// --- runs ---------------------------------------------------------------------------------------

interface Measurement {
  readonly name: ScenarioName;
  readonly result: AuthLoadResult;
  readonly serverCpuPercent: number;
  readonly postgresCpuPercent: number;
  readonly otherCpuPercent: number;
  /** Δ database statements / Δ HTTP requests finished by the server in the measured window. */
  readonly queriesPerRequest: number;
  readonly serverRequests: number;
  /** Backends of the database not pinned to --postgres-cpu at the end of the window (0 when pinning is off). */
  readonly unpinnedBackends: number;
}

async function runLoader(server: ServerProcess, name: ScenarioName, options: AuthLoadOptions): Promise<Measurement> {
  const child = spawnNode(LOADER_CPU, [`${benchDir}auth-load.ts`, JSON.stringify(options)]);
  let start: { server: number; backends: Map<number, number>; machine: number; at: number; counts: Counts } | undefined;
  let measurement: Measurement | undefined;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const event = JSON.parse(line) as AuthLoaderEvent;
    if (event.event === "measure-start") {
      // After the warm-up the server's pool has all the connections the load needs.
      if (pinPostgres) pinBackends(server.database, databaseCpu);
      start = {
        server: processCpuSeconds(server.pid),
        backends: backendCpuSeconds(server.database),
        machine: machineBusySeconds(),
        at: performance.now(),
        counts: await counts(server),
      };
    } else if (event.event === "result" && start) {
      const seconds = (performance.now() - start.at) / 1000;
      const end = await counts(server);
      const serverCpu = (processCpuSeconds(server.pid) - start.server) / seconds;
      const postgresCpu = backendCpuDelta(start.backends, backendCpuSeconds(server.database)) / seconds;
      const machineCpu = (machineBusySeconds() - start.machine) / seconds;
      const loaderCpu = event.result.loaderCpuPercent / 100;
      const requests = end.requests - start.counts.requests;
      measurement = {
        name,
        result: event.result,
        serverCpuPercent: serverCpu * 100,
        postgresCpuPercent: postgresCpu * 100,
        otherCpuPercent: Math.max(0, machineCpu - serverCpu - loaderCpu - postgresCpu) * 100,
        queriesPerRequest: (end.queries - start.counts.queries) / requests,
        serverRequests: requests,
        unpinnedBackends: pinPostgres ? backendsOutside(server.database, databaseCpu) : 0,
      };
    }
  }
  const code = await exited(child);
  if (code !== 0 || !measurement) throw new Error(`${name} load generator failed (exit ${code})`);
  return measurement;
}

/**
 * The login without HTTP (bench/auth-login-core.ts), on the server's core while the server is
 * idle. Its Postgres backends are left free to run on either core (`--core-postgres-cpu`): with
 * no load generator running, Postgres has CPU 1 to itself, and pinning it there only adds the
 * VM's wake-up latency of a halted virtual CPU to every statement (the process then waits for
 * Postgres with its core idle). Whatever time Postgres takes on CPU 0 lowers the result.
 */
async function runCore(database: string, options: CoreLoginOptions): Promise<CoreLoginResult> {
  const nodeArgs = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [];
  const child = spawnService([...nodeArgs, `${benchDir}auth-login-core.ts`, JSON.stringify(options)], process.env, "pipe");
  let result: CoreLoginResult | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const message = JSON.parse(line) as { event?: string } & CoreLoginResult;
    if (message.event === "measure-start") {
      // Its own pool's backends are new (forked by the postmaster, unpinned).
      if (pinned && coreDatabaseCpu !== "any") pinBackends(database, coreDatabaseCpu);
      child.stdin?.write("go\n");
    } else result = message;
  }
  const code = await exited(child);
  if (code !== 0 || !result) throw new Error(`the in-process login failed (exit ${code})`);
  return result;
}

async function runCeiling(options: CeilingOptions): Promise<CeilingResult> {
  const child = spawnService([`${benchDir}auth-ceiling.ts`, JSON.stringify(options)]);
  let result: CeilingResult | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) result = JSON.parse(line) as CeilingResult;
  const code = await exited(child);
  if (code !== 0 || !result) throw new Error(`the login ceiling failed (exit ${code})`);
  return result;
}

// --- report -----------------------------------------------------------------------------------

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");

const LABELS: Record<ScenarioName, string> = {
  login: "Login (Get Challenge + Authenticate)",
  login_grpc: "Login over gRPC (GetChallenge + Authenticate)",
  refresh: "`POST /{tenant}/token` refresh_token",
  client_credentials: "`POST /{tenant}/token` client_credentials",
  userinfo: "`GET /{tenant}/userinfo` (Bearer)",
  jwks: "`GET /{tenant}/.well-known/jwks.json`",
  discovery: "`GET /{tenant}/.well-known/openid-configuration`",
};

/** Turns `select … from app_user u …` into a short, recognisable line for the report. */
function shortSql(sql: string): string {
  const clean = sql.replace(/\s+/g, " ").trim();
  return clean.length > 110 ? `${clean.slice(0, 107)}…` : clean;
}

interface Report {
  readonly startedAt: Date;
  readonly postgres: string;
  readonly background: number;
  readonly measurements: Map<ScenarioName, Measurement>;
  readonly ceilings: { readonly label: string; readonly result: CeilingResult }[];
  readonly core: CoreLoginResult | undefined;
  readonly probes: Probe[];
}

function render(r: Report): string {
  const out: string[] = [];
  const command = ["npm run bench:auth", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  out.push("### Machine", "");
  out.push(`- CPU: ${cpuModel}, nproc = ${cores}`);
  out.push(`- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${os.release()}`);
  out.push(
    `- Node ${process.version}; ${r.postgres.split(" on ")[0]}, reached ${socketDir ? `through the Unix socket in ${socketDir}` : "on 127.0.0.1:5432"}`,
  );
  out.push(`- Pinning: ${pinning}`);
  out.push("");
  out.push("### Run", "");
  out.push(`- Command: \`${command}\` (started ${r.startedAt.toISOString()})`);
  out.push(
    `- Each scenario: ${warmupSeconds} s warm-up, then ${durationSeconds} s measured; OIDC scenarios with ${connections} keep-alive ` +
      `connections (one request in flight each), login with ${loginLoops} loops over ${userCount} users`,
  );
  out.push(`- Background load in the second before the run: ${fixed(r.background, 0)} % of one core`);
  out.push("");

  const best = r.ceilings.reduce((a, c) => Math.max(a, c.result.loginsPerSecond), 0);
  const fastest = r.ceilings.find((c) => c.result.loginsPerSecond === best)?.result;
  /** The ceiling's CPU per login (its OPAQUE calls) in its faster run: ≈ 1 s ÷ its logins/s when it had the core to itself. */
  const ceilingCpu = fastest ? ((fastest.cpuPercent / 100) * 1e6) / fastest.loginsPerSecond : Number.NaN;
  const cpuPerLogin = (m: Measurement) => (m.serverCpuPercent / 100 / m.result.requestsPerSecond) * 1e6;
  const logins = LOGINS.filter((name) => r.measurements.has(name));
  if (logins.length > 0) {
    out.push("### Login throughput", "");
    out.push("| | logins/s | p50 ms | p99 ms |");
    out.push("|---|---:|---:|---:|");
    for (const name of logins) {
      const res = (r.measurements.get(name) as Measurement).result;
      const grpc = name === "login_grpc";
      out.push(
        `| Whole login ${grpc ? "over gRPC" : "over REST"} (challenge → client finishLogin → authenticate) | **${integer(res.requestsPerSecond)}** | ${fixed(res.p50Ms)} | ${fixed(res.p99Ms)} |`,
      );
      for (const [step, label] of [
        ["challenge", grpc ? "`AuthService/GetChallenge` (KE1 → KE2)" : "`POST /api/v1/auth/challenge` (KE1 → KE2)"],
        ["authenticate", grpc ? "`AuthService/Authenticate` (KE3 → nonce)" : "`POST /api/v1/auth/authenticate` (KE3 → nonce)"],
        ["clientFinishLogin", "client finishLogin between them (load generator, CPU 1)"],
      ] as const) {
        const stats: StepStats | undefined = res.steps?.[step];
        if (stats) out.push(`| ${label} | | ${fixed(stats.p50Ms)} | ${fixed(stats.p99Ms)} |`);
      }
    }
    out.push("");
    for (const [i, c] of r.ceilings.entries()) {
      out.push(
        `- Ceiling run ${i + 1} (${c.label}, idle server, CPU ${SERVER_CPU}): ` +
          `**${integer(c.result.loginsPerSecond)} logins/s** — server.startLogin ${fixed(c.result.startLoginMeanUs, 0)} µs + ` +
          `server.finishLogin ${fixed(c.result.finishLoginMeanUs, 0)} µs per login (mean; ${c.result.users} users, ${fixed(c.result.cpuPercent, 0)} % CPU)`,
      );
    }
    for (const name of logins) {
      const m = r.measurements.get(name) as Measurement;
      const res = m.result;
      const over = name === "login_grpc" ? "over gRPC" : "over REST";
      const ratio = best > 0 ? (res.requestsPerSecond / best) * 100 : Number.NaN;
      const cpuRatio = (ceilingCpu / cpuPerLogin(m)) * 100;
      out.push(
        `- **Login ${over} = ${fixed(ratio, 1)} % of the ceiling** (${integer(res.requestsPerSecond)} / ${integer(best)}, the higher ` +
          `ceiling run; target ≥ 70 %) — ${ratio >= 70 ? "within" : "BELOW"} target; per unit of server CPU ` +
          `(the ceiling's ${integer(ceilingCpu)} µs ÷ the server's ${integer(cpuPerLogin(m))} µs per login): **${fixed(cpuRatio, 1)} %**`,
      );
      out.push(
        `- ${over}: server ${fixed(m.serverCpuPercent, 0)} % of CPU ${SERVER_CPU}; Postgres backends ${fixed(m.postgresCpuPercent, 0)} % ` +
          `(${integer((m.postgresCpuPercent / 100 / res.requestsPerSecond) * 1e6)} µs per login), load generator ` +
          `${fixed(res.loaderCpuPercent, 0)} % (${integer((res.loaderCpuPercent / 100 / res.requestsPerSecond) * 1e6)} µs per login), ` +
          `everything else ${fixed(m.otherCpuPercent, 0)} %; ${fixed(m.queriesPerRequest * 2, 2)} database statements per login ` +
          `(includes the batched audit inserts); failures ${res.errors + res.non2xx} (warm-up: ${res.warmupFailures})`,
      );
    }
    out.push(
      `- CPU ${LOADER_CPU} carries the load generator (whose client finishLogin is OPAQUE work of the ceiling's size) and ` +
        "Postgres: when it is busy, logins/s is its limit, not the server's, and the share of the server's CPU is the figure " +
        "that measures the server.",
    );
    out.push("");
  }

  if (r.core && r.ceilings.length > 0) {
    const c = r.core;
    const interleaved = c.ceilingLoginsPerSecond;
    const ratio = (c.loginsPerSecond / interleaved) * 100;
    out.push("### Login server side, without HTTP (in-process)", "");
    out.push(
      "The two calls behind the Get Challenge and Authenticate handlers (`OpaqueLogin.challenge`, `.authenticate`, with their " +
        `scope resolution) in one process on CPU ${SERVER_CPU}, same database, users and KEK, ${loginLoops} at a time, ` +
        "with KE1 and KE3 prepared between the timed phases (bench/auth-login-core.ts); its Postgres backends " +
        `${pinned && coreDatabaseCpu !== "any" ? `pinned to CPU ${coreDatabaseCpu}` : "free to run on either CPU"}. ` +
        "After each timed phase the same process runs the OPAQUE ceiling for as long as the phase took (the interleaved " +
        "ceiling): both sample the same moments of the VM, whose speed drifts within a run.",
      "",
    );
    const cpuOf = (loginsPerSecond: number) => 1e6 / loginsPerSecond; // a ceiling runs at 100 % of its core
    out.push(
      "| | logins/s | share of the interleaved ceiling's logins/s | server CPU µs / login | interleaved ceiling's CPU ÷ this CPU per login |",
    );
    out.push("|---|---:|---:|---:|---:|");
    out.push(
      `| OPAQUE ceiling, interleaved with the timed phases (startLogin ${fixed(c.ceilingStartLoginUs, 0)} µs + finishLogin ` +
        `${fixed(c.ceilingFinishLoginUs, 0)} µs) | ${integer(interleaved)} | 100 % | ${integer(cpuOf(interleaved))} | 100 % |`,
    );
    out.push(
      `| **Login server side, in-process** | **${integer(c.loginsPerSecond)}** | **${fixed(ratio, 1)} %** | ${integer(c.serverCpuPerLoginUs)} | ` +
        `${fixed((cpuOf(interleaved) / c.serverCpuPerLoginUs) * 100, 1)} % |`,
    );
    out.push("");
    out.push(
      `- **In-process login throughput = ${fixed(ratio, 1)} % of the interleaved ceiling** (target ≥ 70 %) — ` +
        `${ratio >= 70 ? "within" : "BELOW"} target; against the higher ceiling run of its own process (${integer(best)} logins/s, ` +
        `before or after the login scenarios): ${fixed((c.loginsPerSecond / best) * 100, 1)} %`,
    );
    out.push(
      `- ${integer(c.logins)} logins in ${fixed(c.timedMs / 1000, 1)} s of timed phases, ${c.failures} failures; CPU ${fixed(c.cpuPercent, 0)} % ` +
        `of the core while timed (${integer(c.processSystemUs / 1000)} ms of ${integer(c.processCpuUs / 1000)} ms in the kernel); ` +
        `the main thread waited ${integer(c.runQueueWaitMs)} ms to be scheduled after wake-ups (/proc/self/schedstat)`,
    );
    for (const name of logins) {
      const cpu = cpuPerLogin(r.measurements.get(name) as Measurement);
      out.push(
        name === "login_grpc"
          ? `- Over gRPC (the scenario above): ${integer(cpu)} µs of server CPU per login; the transport of the two calls ` +
              `(HTTP/2, Connect's gRPC protocol, interceptors, protobuf) ≈ ${integer(cpu - c.serverCpuPerLoginUs)} µs of it`
          : `- Over REST (the scenario above): ${integer(cpu)} µs of server CPU per login; the transport of the two requests ` +
              `(HTTP, Fastify, REST transcoding, interceptors, protobuf) ≈ ${integer(cpu - c.serverCpuPerLoginUs)} µs of it`,
      );
    }
    out.push("");
  }

  const oidc = scenarios.filter((name) => !isLogin(name) && r.measurements.has(name));
  if (oidc.length > 0) {
    out.push("### OIDC endpoints (server on one core, with Postgres)", "");
    out.push(
      "| Endpoint | req/s | p50 ms | p99 ms | DB round trips / request (load) | (one idle request) | server µs / request | errors / non-2xx |",
    );
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const name of oidc) {
      const m = r.measurements.get(name) as Measurement;
      const res = m.result;
      const idle = r.probes.find((p) => p.label === name);
      out.push(
        `| ${LABELS[name]} | ${integer(res.requestsPerSecond)} | ${fixed(res.p50Ms)} | ${fixed(res.p99Ms)} | ${fixed(m.queriesPerRequest, 2)} ` +
          `| ${idle ? idle.statements.length : "n/a"} | ${integer((m.serverCpuPercent / 100 / res.requestsPerSecond) * 1e6)} | ${res.errors + res.non2xx + res.warmupFailures} |`,
      );
    }
    out.push("");
    out.push("CPU during the measured windows (100 % = one core):", "");
    out.push("| Endpoint | server | Postgres backends | Postgres µs / request | load generator | everything else |");
    out.push("|---|---:|---:|---:|---:|---:|");
    for (const name of oidc) {
      const m = r.measurements.get(name) as Measurement;
      out.push(
        `| ${name} | ${fixed(m.serverCpuPercent, 0)} % | ${fixed(m.postgresCpuPercent, 0)} % ` +
          `| ${integer((m.postgresCpuPercent / 100 / m.result.requestsPerSecond) * 1e6)} | ${fixed(m.result.loaderCpuPercent, 0)} % | ${fixed(m.otherCpuPercent, 0)} % |`,
      );
    }
    const refresh = r.measurements.get("refresh");
    if (refresh) {
      const idle = r.probes.find((p) => p.label === "refresh");
      out.push("");
      out.push(
        `- **Token endpoint (refresh_token): ${fixed(refresh.queriesPerRequest, 2)} round trips per request under load, ` +
          `${idle?.statements.length ?? "n/a"} for one request** (target ≤ 3) — ${(idle?.statements.length ?? 99) <= 3 ? "within" : "ABOVE"} target`,
      );
    }
    out.push("");
  }

  const strays = [...r.measurements.values()].filter((m) => m.unpinnedBackends > 0);
  if (strays.length > 0) {
    out.push(
      `**Warning:** Postgres backends opened during the measured window of ${strays.map((m) => m.name).join(", ")} were not ` +
        `pinned to CPU ${databaseCpu}: they could run on the server's core.`,
      "",
    );
  }
  const contended = [...r.measurements.values()].filter((m) => m.otherCpuPercent > 20);
  if (contended.length > 0) {
    out.push(
      `**Warning:** other processes used more than 20 % of a core during ${contended.map((m) => m.name).join(", ")} ` +
        '("everything else"): those numbers are skewed; run again on a quiet machine.',
      "",
    );
  }

  if (r.probes.length > 0) {
    out.push("### Statements of one request (idle server)", "");
    for (const p of r.probes) {
      out.push(`- **${p.label}** — ${p.statements.length}:`);
      for (const sql of p.statements) out.push(`  - \`${shortSql(sql).replace(/`/g, "'")}\``);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

// --- main -------------------------------------------------------------------------------------

let cleanup: (() => Promise<void>) | undefined;
process.once("SIGINT", () => {
  log("interrupted: stopping children and dropping the database");
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
});

async function backgroundLoad(): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return (machineBusySeconds() - before) * 100;
}

async function probes(server: ServerProcess, target: Target, client: BenchClient, users: BenchUser[], flow: FlowTokens): Promise<Probe[]> {
  const found: Probe[] = [];
  const user = users[0] as BenchUser;
  if (scenarios.some(isLogin)) {
    // Both steps of one login, each probed apart (the request in between is the launcher's own).
    const ke1 = prepareKe1(user.secret);
    const headers = { "content-type": "application/json", "x-forwarded-for": "10.99.0.1" };
    const challenge = await probe(server, "login: challenge", () =>
      fetch(`${target.baseUrl}/api/v1/auth/challenge?tenant_id=${TENANT}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ username: user.username, cipherKey: ke1.cipherKey }),
      }),
    );
    found.push(challenge);
    const finished = ke3Of(ke1, user, (JSON.parse(challenge.body) as { challenge_data: string }).challenge_data, target.issuer, TENANT);
    if (!finished) throw new Error("probe: KE2 did not verify");
    found.push(
      await probe(server, "login: authenticate", () =>
        fetch(`${target.baseUrl}/api/v1/auth/authenticate?tenant_id=${TENANT}`, {
          method: "POST",
          headers,
          body: JSON.stringify({
            username: user.username,
            cipherKey: ke1.cipherKey,
            challenge_id: finished.challengeId,
            challenge_data: finished.ke3,
          }),
        }),
      ),
    );
  }
  const form = (body: Record<string, string>) => ({
    method: "POST",
    headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body).toString(),
  });
  if (scenarios.includes("refresh"))
    found.push(
      await probe(server, "refresh", () =>
        fetch(`${target.issuer}/token`, form({ grant_type: "refresh_token", refresh_token: flow.refreshToken })),
      ),
    );
  if (scenarios.includes("client_credentials"))
    found.push(
      await probe(server, "client_credentials", () => fetch(`${target.issuer}/token`, form({ grant_type: "client_credentials" }))),
    );
  if (scenarios.includes("userinfo"))
    found.push(
      await probe(server, "userinfo", () =>
        fetch(`${target.issuer}/userinfo`, { headers: { authorization: `Bearer ${flow.accessToken}` } }),
      ),
    );
  if (scenarios.includes("jwks")) found.push(await probe(server, "jwks", () => fetch(`${target.issuer}/.well-known/jwks.json`)));
  if (scenarios.includes("discovery"))
    found.push(await probe(server, "discovery", () => fetch(`${target.issuer}/.well-known/openid-configuration`)));
  return found;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const background = await backgroundLoad();
  if (background > 20)
    log(`WARNING: the machine is already ${fixed(background, 0)} % busy (of one core) before the run: numbers will be skewed`);
  log(`${pinning}; scenarios ${scenarios.join(", ")}; ${warmupSeconds} s warm-up + ${durationSeconds} s each`);
  const database = await createBenchDatabase();
  let server: ServerProcess | undefined;
  let dropped = false;
  cleanup = async () => {
    await Promise.all([...children].map((child) => stopChild(child)));
    if (!dropped) {
      dropped = true;
      await database.drop();
    }
  };
  try {
    const kek = randomBytes(32).toString("base64");
    const adminKey = issueApiKey().key;
    log(`database ${database.name}; starting the server`);
    server = await startServer(serverDatabaseUrl(database.url), database.name, kek, adminKey);
    const target: Target = { baseUrl: server.baseUrl, issuer: `${server.baseUrl}/${TENANT}`, tenantId: TENANT };
    log(`server pid ${server.pid} on ${server.baseUrl}`);

    // --- fixtures, through the API ---
    let t = performance.now();
    const client = await createTenantAndClient(target, adminKey);
    const users = benchUsers(userCount);
    await registerUsers(target, users);
    log(`tenant ${TENANT}, client ${client.clientId}, ${users.length} users registered (${integer(performance.now() - t)} ms)`);
    t = performance.now();
    const needsFlows = scenarios.some((s) => !isLogin(s) && s !== "jwks" && s !== "discovery");
    const chains = needsFlows
      ? await inBatches(
          Array.from({ length: connections + 1 }, (_, i) => users[i % users.length] as BenchUser),
          4,
          (user) => codeFlow(target, client, user),
        )
      : [];
    if (needsFlows) log(`${chains.length} authorization-code flows done (${integer(performance.now() - t)} ms)`);
    // One more login through the API, so that the tenant's setup and keys are warm before probing.
    await loginUser(target.baseUrl, target.issuer, TENANT, users[0] as BenchUser);
    const probeFlow = chains.pop() as FlowTokens;
    if (needsFlows) {
      const seeded = await seedSvaultTokenHistory(database.url, TENANT);
      log(`${seeded} retired refresh tokens of earlier grants seeded (bench/token-history.ts)`);
    }
    await database.analyze();
    const found = await probes(server, target, client, users, probeFlow ?? { accessToken: "", refreshToken: "" });
    for (const p of found) log(`probe ${p.label}: ${p.statements.length} statements`);

    const measurements = new Map<ScenarioName, Measurement>();
    const ceilings: Report["ceilings"] = [];
    let core: CoreLoginResult | undefined;
    const common = { baseUrl: server.baseUrl, warmupSeconds, durationSeconds };
    const ceilingOptions: CeilingOptions = {
      databaseUrl: database.url,
      kek,
      tenantId: TENANT,
      issuer: target.issuer,
      users,
      // As long as the scenarios': V8 is still tiering the wasm up after thousands of logins
      // (docs/performance.md, "OPAQUE's wasm in the server and in the ceiling"), so a shorter
      // warm-up would measure the ceiling and the server at different points of it.
      warmupSeconds,
      durationSeconds,
    };
    const report = (name: ScenarioName, m: Measurement) => {
      const r = m.result;
      log(
        `    ${integer(r.requestsPerSecond)} ${isLogin(name) ? "logins" : "req"}/s, p50 ${fixed(r.p50Ms)} ms, p99 ${fixed(r.p99Ms)} ms, ` +
          `failures ${r.errors + r.non2xx} (warm-up ${r.warmupFailures}); ${fixed(m.queriesPerRequest, 2)} queries/request; CPU: server ` +
          `${fixed(m.serverCpuPercent, 0)} %, Postgres ${fixed(m.postgresCpuPercent, 0)} %, loader ${fixed(r.loaderCpuPercent, 0)} %, else ${fixed(m.otherCpuPercent, 0)} %`,
      );
      const per = (percent: number) => integer((percent / 100 / r.requestsPerSecond) * 1e6);
      log(
        `    CPU µs per ${isLogin(name) ? "login" : "request"}: server ${per(m.serverCpuPercent)}, Postgres ${per(m.postgresCpuPercent)}, ` +
          `loader ${per(r.loaderCpuPercent)}`,
      );
    };

    const ceiling = async (label: string) => {
      log(`login ceiling (raw server.startLogin + server.finishLogin on the idle server's core), ${label}`);
      const result = await runCeiling(ceilingOptions);
      ceilings.push({ label, result });
      log(`    ${integer(result.loginsPerSecond)} logins/s`);
    };
    for (const name of scenarios) {
      if (isLogin(name)) {
        const over = name === "login_grpc" ? "gRPC" : "REST";
        if (ceilings.length === 0) await ceiling(`before the ${over} login`);
        log(`${name}: ${loginLoops} loops over ${over}`);
        const m = await runLoader(server, name, {
          ...common,
          mode: "login",
          transport: name === "login_grpc" ? "grpc" : "rest",
          grpcTarget: server.grpcTarget,
          connections: loginLoops,
          tenantId: TENANT,
          issuer: target.issuer,
          users,
        });
        measurements.set(name, m);
        report(name, m);
        await ceiling(`after the ${over} login`);
        // The in-process login once, after the last login scenario.
        if (scenarios.filter(isLogin).at(-1) !== name) continue;
        log("login without HTTP (in-process, server's core)");
        core = await runCore(database.name, {
          databaseUrl: serverDatabaseUrl(database.url),
          kek,
          publicUrl: server.baseUrl,
          tenantId: TENANT,
          users,
          loops: loginLoops,
          warmupSeconds,
          durationSeconds,
        });
        log(
          `    ${integer(core.loginsPerSecond)} logins/s, ${integer(core.serverCpuPerLoginUs)} µs of CPU per login, ${core.failures} failures; ` +
            `interleaved ceiling ${integer(core.ceilingLoginsPerSecond)} logins/s`,
        );
        continue;
      }
      log(`${name}: ${connections} connections`);
      const tokenPath = `/${TENANT}/token`;
      const options: AuthLoadOptions =
        name === "refresh"
          ? {
              ...common,
              mode: "refresh",
              connections,
              tokenPath,
              authorization: client.basic,
              refreshTokens: chains.map((c) => c.refreshToken),
            }
          : name === "client_credentials"
            ? {
                ...common,
                mode: "static",
                connections,
                path: tokenPath,
                method: "POST",
                headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
                body: "grant_type=client_credentials",
              }
            : name === "userinfo"
              ? {
                  ...common,
                  mode: "static",
                  connections,
                  path: `/${TENANT}/userinfo`,
                  headers: { authorization: `Bearer ${probeFlow.accessToken}` },
                }
              : {
                  ...common,
                  mode: "static",
                  connections,
                  path: name === "jwks" ? `/${TENANT}/.well-known/jwks.json` : `/${TENANT}/.well-known/openid-configuration`,
                };
      const m = await runLoader(server, name, options);
      measurements.set(name, m);
      report(name, m);
    }

    process.stdout.write(render({ startedAt, postgres: database.serverVersion, background, measurements, ceilings, core, probes: found }));
    const failures =
      [...measurements.values()].reduce((sum, m) => sum + m.result.errors + m.result.non2xx + m.result.warmupFailures, 0) +
      (core?.failures ?? 0);
    if (failures > 0) {
      log(`FAILED: ${failures} failed requests or in-process logins`);
      return 1;
    }
    return 0;
  } finally {
    if (server) await stopChild(server.child);
    await cleanup();
    log(`stopped the server and dropped ${database.name}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(1));
  },
);
