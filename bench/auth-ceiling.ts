// The login ceiling of the auth benchmark, in a process that bench/auth-bench.ts pins to the
// server's core while the server is idle: the raw OPAQUE server work of a login in a tight loop
// (bench/opaque-ceiling.ts), and nothing else.
//
// One JSON argument (CeilingOptions); one JSON line (CeilingResult) on stdout.
import { performance } from "node:perf_hooks";
import { type CeilingMaterial, prepareCeiling } from "./opaque-ceiling.js";
import { childOptions, LatencyRecorder, percentile } from "./stats.js";

export interface CeilingOptions extends CeilingMaterial {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface CeilingResult {
  readonly logins: number;
  readonly elapsedMs: number;
  readonly loginsPerSecond: number;
  readonly startLoginMeanUs: number;
  readonly finishLoginMeanUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU the process used in the timed window, in % of one core (should be ~100). */
  readonly cpuPercent: number;
  readonly users: number;
}

const options = childOptions<CeilingOptions>("CeilingOptions");
const ceiling = await prepareCeiling(options);

if (options.warmupSeconds > 0) ceiling.loop(options.warmupSeconds * 1000);
const latencies = new LatencyRecorder();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const { logins, startNs, finishNs } = ceiling.loop(options.durationSeconds * 1000, latencies);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const sorted = latencies.sorted();
const result: CeilingResult = {
  logins,
  elapsedMs,
  loginsPerSecond: logins / (elapsedMs / 1000),
  startLoginMeanUs: startNs / logins / 1000,
  finishLoginMeanUs: finishNs / logins / 1000,
  p50Ms: percentile(sorted, 50),
  p99Ms: percentile(sorted, 99),
  cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
  users: ceiling.users,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
