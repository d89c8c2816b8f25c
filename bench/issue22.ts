// `npm run bench:issue22`: issue 22's targets measured on this machine in one run, and the verdict
// on each. The targets move with the host (docs/performance.md keeps three hosts' figures), so each
// session re-measures them all; this runs the two benchmarks they refer to and reads their files
// instead of leaving the verdict to a reading of two outputs:
//
//   1. bench:peer (bench/peer/run.ts): svault beside oidc-provider with its Postgres and in-memory
//      adapters; per token-path endpoint, svault ÷ each peer of the medians of alternating rounds
//      (target ≥ 1.5 and ≥ 1) at a p99 no worse than either peer's; svault's RSS idle after start
//      (≤ 120 MiB) and the highest in its own windows (≤ 200 MiB).
//   2. the login against the OPAQUE ceiling (bench/auth-login-ab.ts with BENCH_AB_CEILING=1), over
//      REST and over gRPC, runs alternating between the two; per transport the median of the runs'
//      shares (target ≥ 70 %), with every run's figure beside it. Each run also measures the
//      login's floor on the transport in the same rounds (BENCH_AB_FLOOR: a bare Fastify app or
//      bare node:http2 doing the two OPAQUE calls and svault's three statements, nothing else):
//      what any login with a database reaches on this host, so that a miss shows whether it is
//      svault's own cost (and how many µs per login) or the floor's; and with the OPAQUE calls
//      timed in each process (BENCH_AB_OPAQUE_CALLS), how much of svault's cost above the floor is
//      the same wasm running slower in svault's process (the CPU caches: a larger working set
//      between the calls) and how much is the rest of its work. Each login run is made at two
//      loads, in turn (LOGIN_LOADS): "partial", the harness's load until now (the servers'
//      Postgres backends on the load generator's core, whose clients and Postgres together then
//      leave the server's core idle part of the time), and "saturated" (the backends on the
//      server's core, BENCH_AB_POSTGRES_CPU=0: the load generator's core carries only the clients,
//      and the server's core, with the server and its Postgres, is busy all or most of the time,
//      as the ceiling's is all the time); each its own verdict.
//
// Prints the verdict as markdown and writes it, beside the two benchmarks' own files, to
// bench/results/<out>.md.
//
//   --peer-rounds N   bench:peer's rounds (default 5)
//   --endpoints LIST  bench:peer's endpoints (default the six of the targets)
//   --login-runs N    login runs per transport and load (default 3)
//   --login-loads LIST  the loads of the login runs (default partial,saturated)
//   --ab-rounds N, --ab-warmup N   each login run's measured and warm-up rounds (default 12, 8)
//   --out NAME        default issue22-<HHMM> (UTC)
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { LoginShare } from "./auth-login-ab.js";
import { runScript } from "./run-script.js";
import { median } from "./stats.js";

const TOKEN_PATH = ["client_credentials", "refresh_token", "userinfo", "jwks", "discovery", "introspection"];
const TARGETS = { overPostgresPeer: 1.5, overMemoryPeer: 1, idleRssMiB: 120, loadRssMiB: 200, loginSharePercent: 70 };

const { values: args } = parseArgs({
  options: {
    "peer-rounds": { type: "string", default: "5" },
    endpoints: { type: "string", default: TOKEN_PATH.join(",") },
    "login-runs": { type: "string", default: "3" },
    "login-loads": { type: "string", default: "partial,saturated" },
    "ab-rounds": { type: "string", default: "12" },
    "ab-warmup": { type: "string", default: "8" },
    out: { type: "string" },
  },
});
const now = new Date();
const out = args.out ?? `issue22-${now.toISOString().slice(11, 16).replace(":", "")}`;
const resultsDir = new URL("results/", import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`[issue22] ${text}\n`);

interface PeerMeasurement {
  readonly system: "svault" | "peer-postgres" | "peer-memory";
  readonly endpoint: string;
  readonly result: { readonly requestsPerSecond: number; readonly p99Ms: number };
  readonly rss: { readonly peak: number };
}
interface PeerRun {
  readonly measurements: readonly PeerMeasurement[];
  readonly memory: { readonly svault: { readonly idleAfterStart: { readonly rss: number } } };
}

const verdict = (met: boolean) => (met ? "**met**" : "**missed**");
const fixed = (value: number, digits = 2) => value.toFixed(digits);

function tokenPathRows(run: PeerRun, endpoints: readonly string[]): string[] {
  const rows = [
    "| endpoint | svault ÷ peer (Postgres) | svault ÷ peer (memory) | p99 ms svault / peer-pg / peer-mem | verdict |",
    "|---|---:|---:|---:|---|",
  ];
  for (const endpoint of endpoints) {
    const of = (system: PeerMeasurement["system"], pick: (m: PeerMeasurement) => number) =>
      median(run.measurements.filter((m) => m.endpoint === endpoint && m.system === system).map(pick));
    const rps = (system: PeerMeasurement["system"]) => of(system, (m) => m.result.requestsPerSecond);
    const p99 = (system: PeerMeasurement["system"]) => of(system, (m) => m.result.p99Ms);
    const overPostgres = rps("svault") / rps("peer-postgres");
    const overMemory = rps("svault") / rps("peer-memory");
    const met =
      overPostgres >= TARGETS.overPostgresPeer &&
      overMemory >= TARGETS.overMemoryPeer &&
      p99("svault") <= Math.min(p99("peer-postgres"), p99("peer-memory"));
    rows.push(
      `| ${endpoint} | ${fixed(overPostgres)} | ${fixed(overMemory)} | ${fixed(p99("svault"), 1)} / ${fixed(p99("peer-postgres"), 1)} / ${fixed(p99("peer-memory"), 1)} | ${verdict(met)} |`,
    );
  }
  return rows;
}

function memoryRows(run: PeerRun): string[] {
  const idle = run.memory.svault.idleAfterStart.rss;
  const underLoad = Math.max(...run.measurements.filter((m) => m.system === "svault").map((m) => m.rss.peak));
  return [
    "| svault RSS | MiB | target | verdict |",
    "|---|---:|---:|---|",
    `| idle after start | ${Math.round(idle)} | ≤ ${TARGETS.idleRssMiB} | ${verdict(idle <= TARGETS.idleRssMiB)} |`,
    `| highest in its own windows | ${Math.round(underLoad)} | ≤ ${TARGETS.loadRssMiB} | ${verdict(underLoad <= TARGETS.loadRssMiB)} |`,
  ];
}

/** The floor of each transport's login (bench/auth-floor-server.ts): the bare server with the OPAQUE calls and the three statements. */
const LOGIN_FLOORS = { REST: "fastify-db", gRPC: "http2-db" } as const;
type Transport = keyof typeof LOGIN_FLOORS;

/**
 * The loads a login run is made at (see the top): where the servers' Postgres backends run
 * (BENCH_AB_POSTGRES_CPU), and how the verdict names it.
 */
const LOGIN_LOADS = {
  partial: { postgresCpu: "1", name: "partial (Postgres on the load generator's core)" },
  saturated: { postgresCpu: "0", name: "saturated (Postgres on the server's core)" },
} as const;
type Load = keyof typeof LOGIN_LOADS;
const loads = args["login-loads"].split(",").filter(Boolean) as Load[];
for (const load of loads)
  if (!(load in LOGIN_LOADS)) throw new Error(`--login-loads takes ${Object.keys(LOGIN_LOADS).join(", ")}, got "${load}"`);

/** One login run's shares: svault's (auth-login-ab's side `this`) and its transport's floor's. */
interface LoginRun {
  readonly svault: LoginShare;
  readonly floor: LoginShare;
}

/** svault's server CPU above the floor's in one run, µs per login. */
const cpuAboveFloor = (r: LoginRun) => r.svault.serverUsPerLogin - r.floor.serverUsPerLogin;
/** The part of it in the OPAQUE calls (the same calls, slower in svault's process); NaN if they were not timed. */
const callsAboveFloor = (r: LoginRun) => (r.svault.opaqueCallsUsPerLogin ?? Number.NaN) - (r.floor.opaqueCallsUsPerLogin ?? Number.NaN);

function loginRows(runs: ReadonlyMap<string, LoginRun[]>): string[] {
  const rows = [
    "| transport, load | runs: svault's share of the ceiling (logins/s) | median | the floor's share in the same runs (median) | svault's server CPU above the floor's, µs per login (median) | of which its OPAQUE calls / the rest (median) | verdict |",
    "|---|---|---:|---:|---:|---:|---|",
  ];
  for (const [transport, loginRuns] of runs) {
    const middle = median(loginRuns.map((r) => r.svault.sharePercent));
    const floor = median(loginRuns.map((r) => r.floor.sharePercent));
    const above = median(loginRuns.map(cpuAboveFloor));
    const callsAbove = median(loginRuns.map(callsAboveFloor));
    const restAbove = median(loginRuns.map((r) => cpuAboveFloor(r) - callsAboveFloor(r)));
    const each = loginRuns.map((r) => `${fixed(r.svault.sharePercent, 1)} % (${Math.round(r.svault.loginsPerSecond)})`).join(", ");
    rows.push(
      `| ${transport} | ${each} | ${fixed(middle, 1)} % | ${fixed(floor, 1)} % | ${Math.round(above)} | ${Math.round(callsAbove)} / ${Math.round(restAbove)} | ${verdict(middle >= TARGETS.loginSharePercent)} |`,
    );
  }
  return rows;
}

const endpoints = args.endpoints.split(",").filter(Boolean);
log(`bench:peer, ${args["peer-rounds"]} rounds: ${endpoints.join(", ")}`);
await runScript("peer/run.ts", ["--rounds", args["peer-rounds"], "--endpoints", endpoints.join(","), "--out", `${out}-peer`]);
const peerRun = JSON.parse(readFileSync(`${resultsDir}${out}-peer.json`, "utf8")) as PeerRun;

/** The login's runs by transport and load, e.g. "REST, saturated (…)", in the order they run. */
const loginRuns = new Map<string, LoginRun[]>();
for (let run = 1; run <= Number(args["login-runs"]); run++) {
  for (const transport of Object.keys(LOGIN_FLOORS) as Transport[]) {
    for (const load of loads) {
      const key = `${transport}, ${LOGIN_LOADS[load].name}`;
      const runs = loginRuns.get(key) ?? [];
      loginRuns.set(key, runs);
      log(`login over ${transport} at the ${load} load, run ${run} of ${args["login-runs"]}`);
      const file = `${resultsDir}${out}-login-${transport.toLowerCase()}-${load}-${run}.json`;
      await runScript("auth-login-ab.ts", [], {
        BENCH_AB_POSTGRES_CPU: LOGIN_LOADS[load].postgresCpu,
        BENCH_AB_CEILING: "1",
        BENCH_AB_TRANSPORT: transport.toLowerCase(),
        BENCH_AB_ROUNDS: args["ab-rounds"],
        BENCH_AB_WARMUP_ROUNDS: args["ab-warmup"],
        BENCH_AB_FLOOR: LOGIN_FLOORS[transport],
        BENCH_AB_JSON: file,
        BENCH_AB_OPAQUE_CALLS: "1",
      });
      const shares = JSON.parse(readFileSync(file, "utf8")) as LoginShare[];
      const sideOf = (label: string) => {
        const share = shares.find((s) => s.side === label);
        if (!share) throw new Error(`${file} has no side ${label}`);
        return share;
      };
      runs.push({ svault: sideOf("this"), floor: sideOf(`floor-${LOGIN_FLOORS[transport]}`) });
    }
  }
}

const report = [
  `### Issue 22's targets on this machine — ${now.toISOString()}`,
  "",
  `bench:peer: [${out}-peer.md](${out}-peer.md), rounds: ${args["peer-rounds"]}. The login: runs per transport and load: ${args["login-runs"]} (${out}-login-*.json), each with warm-up rounds: ${args["ab-warmup"]}, measured rounds: ${args["ab-rounds"]}; the floor: bare Fastify (REST) and bare node:http2 (gRPC) with the OPAQUE calls and svault's three statements, in the same rounds; the OPAQUE calls timed in svault's and the floor's processes (CPU per login).`,
  "",
  ...tokenPathRows(peerRun, endpoints),
  "",
  ...memoryRows(peerRun),
  "",
  ...loginRows(loginRuns),
  "",
].join("\n");
writeFileSync(`${resultsDir}${out}.md`, report);
console.log(report);
