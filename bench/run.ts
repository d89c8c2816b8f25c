// `npm run bench`: the service spine's benchmark. Creates a fresh Postgres database, starts the real
// server (bench/bench-server.ts) in a child process, loads it from another child process per
// scenario, and prints a markdown report on stdout (progress goes to stderr). With taskset, the
// server is pinned to CPU 0 and the load generators (and this launcher) to CPU 1.
// Exits 1 when any request failed (errors, timeouts, unexpected bodies, non-2xx) or when the bare
// route and REST /health do not answer the same.
import { type ChildProcess, spawnSync } from "node:child_process";
import os from "node:os";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  LOADER_CPU,
  SERVER_CPU,
  backendCpuDelta,
  backendCpuSeconds,
  children,
  cores,
  cpuModel,
  exited,
  hasTaskset,
  machineBusySeconds,
  pinned,
  positive,
  processCpuSeconds,
  spawnNode,
  spawnService,
  stopChild,
} from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";
import { type LoaderEvent, type LoaderOptions, type LoadResult, median } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    scenarios: { type: "string" },
    "cpu-prof": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
const USAGE = `usage: npm run bench -- [options]
  --duration S      measured seconds per scenario (BENCH_DURATION, default 8)
  --warmup S        warm-up seconds per scenario (BENCH_WARMUP, default 3)
  --connections N   concurrent connections / in-flight calls (BENCH_CONNECTIONS, default 50)
  --scenarios LIST  a subset of bare,rest,connect,grpc (in the usual order)
  --cpu-prof DIR    run the server with node --cpu-prof, writing the profile into DIR
`;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const durationSeconds = positive("--duration", args.duration ?? process.env.BENCH_DURATION, 8);
const warmupSeconds = positive("--warmup", args.warmup ?? process.env.BENCH_WARMUP, 3);
const connections = Math.round(positive("--connections", args.connections ?? process.env.BENCH_CONNECTIONS, 50));
const benchDir = new URL(".", import.meta.url).pathname;
const _projectDir = new URL("..", import.meta.url).pathname;

// --- scenarios ----------------------------------------------------------------------------------

interface Scenario {
  readonly name: "bare" | "rest" | "connect" | "grpc";
  readonly label: string;
  readonly kind: "http" | "grpc";
  readonly path?: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const SCENARIOS: Record<Scenario["name"], Scenario> = {
  bare: { name: "bare", label: "Bare Fastify route `GET /bench/bare-health`", kind: "http", path: "/bench/bare-health" },
  rest: { name: "rest", label: "REST `GET /health` (transcoding layer)", kind: "http", path: "/health" },
  connect: {
    name: "connect",
    label: "Connect unary JSON `POST /svault.health.v1.HealthService/Check`",
    kind: "http",
    path: "/svault.health.v1.HealthService/Check",
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  },
  grpc: { name: "grpc", label: "gRPC `svault.health.v1.HealthService/Check` (h2c, grpc-js)", kind: "grpc" },
};

// One pass over every surface, then bare and REST again alternating, so that each of those two
// has three runs spread over the whole benchmark and their medians can be compared.
const ORDER: Scenario["name"][] = ["bare", "rest", "connect", "grpc", "bare", "rest", "bare", "rest"];
const wanted = args.scenarios ? new Set(args.scenarios.split(",").map((s) => s.trim())) : undefined;
for (const name of wanted ?? []) if (!(name in SCENARIOS)) throw new Error(`unknown scenario "${name}" (bare, rest, connect, grpc)`);
const order = ORDER.filter((name) => !wanted || wanted.has(name));

// --- machine and CPU accounting ---------------------------------------------------------------

if (pinned) {
  // This launcher only waits, but keep it off the server's core too (all its threads: -a).
  spawnSync("taskset", ["-a", "-p", "-c", LOADER_CPU, String(process.pid)], { stdio: "ignore" });
}
const pinning = pinned
  ? `server pinned to CPU ${SERVER_CPU}, load generators (and the launcher) to CPU ${LOADER_CPU} with \`taskset\`; Postgres is not pinned`
  : hasTaskset
    ? "no pinning (a single CPU)"
    : "no pinning (`taskset` not found)";

// --- child processes --------------------------------------------------------------------------

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly grpcPort: number;
  /** The benchmark's database, whose Postgres backends are accounted apart. */
  readonly database: string;
}

async function startBenchServer(databaseUrl: string, database: string): Promise<ServerProcess> {
  const nodeArgs = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [];
  const child = spawnService([...nodeArgs, `${benchDir}bench-server.ts`], {
    ...process.env,
    DATABASE_URL: databaseUrl,
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
  const { port, grpcPort } = await ready;
  lines.on("line", (line) => log(`server: ${line}`));
  return { child, pid: child.pid as number, port, grpcPort, database };
}

interface Measurement {
  readonly scenario: Scenario;
  readonly result: LoadResult;
  /** Server CPU in % of one core during the measured window. */
  readonly serverCpuPercent: number;
  /** The Postgres backends serving the benchmark's database, in % of one core. */
  readonly postgresCpuPercent: number;
  /** Everything else that was busy on the machine (other processes, kernel), in % of one core. */
  readonly otherCpuPercent: number;
}

async function runLoader(server: ServerProcess, scenario: Scenario, expectBody: string | undefined): Promise<Measurement> {
  const options: LoaderOptions =
    scenario.kind === "grpc"
      ? { target: `127.0.0.1:${server.grpcPort}`, connections, warmupSeconds, durationSeconds }
      : {
          target: `http://127.0.0.1:${server.port}${scenario.path}`,
          connections,
          warmupSeconds,
          durationSeconds,
          method: scenario.method ?? "GET",
          ...(scenario.headers ? { headers: scenario.headers } : {}),
          ...(scenario.body !== undefined ? { body: scenario.body } : {}),
          ...(expectBody !== undefined ? { expectBody } : {}),
        };
  const script = `${benchDir}${scenario.kind === "grpc" ? "grpc-load.ts" : "http-load.ts"}`;
  const child = spawnNode(LOADER_CPU, [script, JSON.stringify(options)]);
  let start: { server: number; backends: Map<number, number>; machine: number; at: number } | undefined;
  let measurement: Measurement | undefined;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const event = JSON.parse(line) as LoaderEvent;
    if (event.event === "measure-start") {
      start = {
        server: processCpuSeconds(server.pid),
        backends: backendCpuSeconds(server.database),
        machine: machineBusySeconds(),
        at: performance.now(),
      };
    } else if (event.event === "result" && start) {
      const seconds = (performance.now() - start.at) / 1000;
      const serverCpu = (processCpuSeconds(server.pid) - start.server) / seconds;
      const postgresCpu = backendCpuDelta(start.backends, backendCpuSeconds(server.database)) / seconds;
      const machineCpu = (machineBusySeconds() - start.machine) / seconds;
      const loaderCpu = event.result.loaderCpuPercent / 100;
      measurement = {
        scenario,
        result: event.result,
        serverCpuPercent: serverCpu * 100,
        postgresCpuPercent: postgresCpu * 100,
        otherCpuPercent: Math.max(0, machineCpu - serverCpu - loaderCpu - postgresCpu) * 100,
      };
    }
  }
  const code = await exited(child);
  if (code !== 0 || !measurement) throw new Error(`${scenario.name} load generator failed (exit ${code})`);
  return measurement;
}

// --- sanity: the bare route and REST /health answer the same ------------------------------------

interface Probe {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | null;
  readonly cacheControl: string | null;
  readonly pragma: string | null;
}

async function probe(server: ServerProcess, scenario: Scenario): Promise<Probe> {
  const response = await fetch(`http://127.0.0.1:${server.port}${scenario.path}`, {
    method: scenario.method ?? "GET",
    ...(scenario.headers ? { headers: scenario.headers } : {}),
    ...(scenario.body !== undefined ? { body: scenario.body } : {}),
  });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get("content-type"),
    cacheControl: response.headers.get("cache-control"),
    pragma: response.headers.get("pragma"),
  };
}

async function expectedBodies(server: ServerProcess): Promise<Map<Scenario["name"], string>> {
  const bare = await probe(server, SCENARIOS.bare);
  const rest = await probe(server, SCENARIOS.rest);
  const connect = await probe(server, SCENARIOS.connect);
  const problems: string[] = [];
  if (rest.status !== 200) problems.push(`REST /health answered ${rest.status}: ${rest.body}`);
  if (connect.status !== 200) problems.push(`Connect Check answered ${connect.status}: ${connect.body}`);
  for (const key of ["status", "body", "contentType", "cacheControl", "pragma"] as const) {
    if (bare[key] !== rest[key])
      problems.push(`bare and REST differ in ${key}: ${JSON.stringify(bare[key])} vs ${JSON.stringify(rest[key])}`);
  }
  if (problems.length > 0) throw new Error(`sanity check failed:\n  ${problems.join("\n  ")}`);
  log(`sanity: bare and REST both answer ${rest.status} ${rest.body} (cache-control: ${rest.cacheControl})`);
  return new Map([
    ["bare", bare.body],
    ["rest", rest.body],
    ["connect", connect.body],
  ]);
}

// --- report -----------------------------------------------------------------------------------

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)} %`;

interface Row {
  readonly scenario: Scenario;
  readonly runs: readonly Measurement[];
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  readonly warmupFailures: number;
  readonly serverCpu: number;
  readonly postgresCpu: number;
  readonly otherCpu: number;
  readonly loaderCpu: number;
  /** Server CPU time per request, in µs. */
  readonly cpuPerRequestUs: number;
}

function rowOf(scenario: Scenario, runs: readonly Measurement[]): Row {
  const of = (pick: (m: Measurement) => number) => median(runs.map(pick));
  return {
    scenario,
    runs,
    rps: of((m) => m.result.requestsPerSecond),
    p50: of((m) => m.result.p50Ms),
    p99: of((m) => m.result.p99Ms),
    failures: runs.reduce((sum, m) => sum + m.result.errors + m.result.non2xx, 0),
    warmupFailures: runs.reduce((sum, m) => sum + m.result.warmupFailures, 0),
    serverCpu: of((m) => m.serverCpuPercent),
    postgresCpu: of((m) => m.postgresCpuPercent),
    otherCpu: of((m) => m.otherCpuPercent),
    loaderCpu: of((m) => m.result.loaderCpuPercent),
    cpuPerRequestUs: of((m) => (m.serverCpuPercent / 100 / m.result.requestsPerSecond) * 1e6),
  };
}

function report(rows: Row[], context: { postgres: string; startedAt: Date; background: number }): string {
  const out: string[] = [];
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  out.push("### Machine", "");
  out.push(`- CPU: ${cpuModel}, nproc = ${cores}`);
  out.push(`- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${os.release()}`);
  out.push(`- Node ${process.version}; ${context.postgres.split(" on ")[0]} on 127.0.0.1:5432`);
  out.push(`- Pinning: ${pinning}`);
  out.push("");
  out.push("### Run", "");
  out.push(`- Command: \`${command}\` (started ${context.startedAt.toISOString()})`);
  out.push(
    `- Each scenario: ${warmupSeconds} s warm-up, then ${durationSeconds} s measured, ${connections} connections ` +
      "(HTTP/1.1 keep-alive, one request in flight per connection; gRPC: one HTTP/2 connection with " +
      `${connections} calls in flight)`,
  );
  out.push(`- Background load in the second before the run: ${fixed(context.background, 0)} % of one core`);
  out.push(`- Order: ${order.join(", ")}; rows with several runs show the median (individual runs in req/s column)`);
  out.push("");
  out.push("| Scenario | req/s | p50 ms | p99 ms | errors / non-2xx |");
  out.push("|---|---:|---:|---:|---:|");
  for (const row of rows) {
    const runs = row.runs.length > 1 ? ` (${row.runs.map((m) => integer(m.result.requestsPerSecond)).join(" / ")})` : "";
    const median = row.runs.length > 1 ? `median of ${row.runs.length}: ` : "";
    out.push(`| ${row.scenario.label} | ${median}${integer(row.rps)}${runs} | ${fixed(row.p50)} | ${fixed(row.p99)} | ${row.failures} |`);
  }
  out.push("");
  out.push("CPU during the measured windows (medians; 100 % = one core):", "");
  out.push("| Scenario | server | server µs / request | load generator | Postgres backends | everything else |");
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    out.push(
      `| ${row.scenario.name} | ${fixed(row.serverCpu, 0)} % | ${fixed(row.cpuPerRequestUs, 0)} | ${fixed(row.loaderCpu, 0)} % ` +
        `| ${fixed(row.postgresCpu, 0)} % | ${fixed(row.otherCpu, 0)} % |`,
    );
  }
  const bare = rows.find((r) => r.scenario.name === "bare");
  const rest = rows.find((r) => r.scenario.name === "rest");
  if (bare && rest) {
    const overhead = (bare.rps / rest.rps - 1) * 100;
    const throughputLoss = (1 - rest.rps / bare.rps) * 100;
    const cpuOverhead = (rest.cpuPerRequestUs / bare.cpuPerRequestUs - 1) * 100;
    const pairs = rest.runs
      .map((r, i) => {
        const b = bare.runs[i];
        return b ? percent((b.result.requestsPerSecond / r.result.requestsPerSecond - 1) * 100) : undefined;
      })
      .filter((p) => p !== undefined);
    out.push("");
    out.push("### REST vs bare", "");
    out.push(
      `- **REST overhead (transcoding layer and RPC spine) vs bare: ${percent(overhead)}** time per request (median bare req/s ÷ median REST req/s − 1; ` +
        `target ≤ 15 %) — ${overhead <= 15 ? "within" : "ABOVE"} target`,
    );
    out.push(`- Throughput loss: ${percent(-throughputLoss)} (REST ${integer(rest.rps)} vs bare ${integer(bare.rps)} req/s)`);
    out.push(
      `- Server CPU per request: REST ${fixed(rest.cpuPerRequestUs, 0)} µs vs bare ${fixed(bare.cpuPerRequestUs, 0)} µs (${percent(cpuOverhead)})`,
    );
    if (pairs.length > 1) out.push(`- Per adjacent bare→REST pair: ${pairs.join(", ")}`);
  }
  return `${out.join("\n")}\n`;
}

// --- main -------------------------------------------------------------------------------------

let cleanup: (() => Promise<void>) | undefined;
process.once("SIGINT", () => {
  log("interrupted: stopping children and dropping the database");
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
});

/** How busy the machine is before the run (other processes skew every number), in % of one core. */
async function backgroundLoad(): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return (machineBusySeconds() - before) * 100;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const background = await backgroundLoad();
  if (background > 20)
    log(`WARNING: the machine is already ${fixed(background, 0)} % busy (of one core) before the run: numbers will be skewed`);
  log(`${pinning}; ${order.length} scenarios × (${warmupSeconds} s warm-up + ${durationSeconds} s), ${connections} connections`);
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
    log(`database ${database.name}; starting the server`);
    server = await startBenchServer(database.url, database.name);
    log(`server pid ${server.pid} listening: HTTP/1.1 on ${server.port}, h2c on ${server.grpcPort}`);
    const bodies = await expectedBodies(server);

    const measurements: Measurement[] = [];
    for (const [index, name] of order.entries()) {
      const scenario = SCENARIOS[name];
      log(`(${index + 1}/${order.length}) ${scenario.label}`);
      const measurement = await runLoader(server, scenario, bodies.get(name));
      const r = measurement.result;
      log(
        `    ${integer(r.requestsPerSecond)} req/s, p50 ${fixed(r.p50Ms)} ms, p99 ${fixed(r.p99Ms)} ms, ` +
          `errors ${r.errors}, non-2xx ${r.non2xx}; CPU: server ${fixed(measurement.serverCpuPercent, 0)} %, ` +
          `Postgres ${fixed(measurement.postgresCpuPercent, 0)} %, loader ${fixed(r.loaderCpuPercent, 0)} %, else ${fixed(measurement.otherCpuPercent, 0)} %`,
      );
      measurements.push(measurement);
    }

    const rows = (Object.keys(SCENARIOS) as Scenario["name"][])
      .filter((name) => order.includes(name))
      .map((name) =>
        rowOf(
          SCENARIOS[name],
          measurements.filter((m) => m.scenario.name === name),
        ),
      );
    process.stdout.write(report(rows, { postgres: database.serverVersion, startedAt, background }));

    const failures = rows.reduce((sum, row) => sum + row.failures + row.warmupFailures, 0);
    if (failures > 0) {
      log(`FAILED: ${failures} failed requests (errors, timeouts, unexpected bodies or non-2xx answers)`);
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
    log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(1));
  },
);
