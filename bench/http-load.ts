// HTTP/1.1 load generator (autocannon), run by bench/run.ts as a child process pinned to its own
// core: a warm-up window, then the measured window, each with fixed keep-alive connections and
// one request in flight per connection. Reports a LoadResult as one JSON line on stdout.
import autocannon, { type Options, type Result } from "autocannon";
import { performance } from "node:perf_hooks";
import { emit, LatencyRecorder, loaderOptionsFromArgv, summarize } from "./stats.js";

const options = loaderOptionsFromArgv();

function autocannonOptions(durationSeconds: number): Options {
  return {
    url: options.target,
    connections: options.connections,
    duration: durationSeconds,
    method: options.method ?? "GET",
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.expectBody !== undefined ? { expectBody: options.expectBody } : {}),
  };
}

function failuresOf(result: Result): number {
  return result.errors + result.timeouts + result.mismatches + result.non2xx;
}

async function warmUp(): Promise<number> {
  if (options.warmupSeconds <= 0) return 0;
  const warmup = await autocannon(autocannonOptions(options.warmupSeconds));
  const failures = failuresOf(warmup);
  if (failures > 0) process.stderr.write(`warm-up failures: ${JSON.stringify({ ...warmup.statusCodeStats, errors: warmup.errors })}\n`);
  return failures;
}

const warmupFailures = await warmUp();
const latencies = new LatencyRecorder();
let ok = 0;
emit({ event: "measure-start" });
const cpuBefore = process.cpuUsage();
const started = performance.now();
const instance = autocannon(autocannonOptions(options.durationSeconds));
instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
  latencies.record(responseTimeMs);
  if (statusCode >= 200 && statusCode < 300) ok++;
});
const result = await instance;
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (failuresOf(result) > 0) process.stderr.write(`failures: ${JSON.stringify({ ...result.statusCodeStats, errors: result.errors })}\n`);

emit({
  event: "result",
  result: summarize({
    ok,
    // A mismatched body is counted as an error (autocannon counts it as a response too).
    errors: result.errors + result.timeouts + result.mismatches,
    non2xx: result.non2xx,
    warmupFailures,
    elapsedMs,
    latencies,
    cpu,
  }),
});
