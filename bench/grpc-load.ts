// gRPC load generator (autocannon speaks HTTP/1.1 only): @grpc/grpc-js over h2c, one channel (one
// HTTP/2 connection, as a real gRPC client keeps) with `connections` calls in flight at all times,
// each worker starting its next call when the previous one completes. Run by bench/run.ts as a
// child process pinned to its own core; reports a LoadResult as one JSON line on stdout.
import { performance } from "node:perf_hooks";
import { HealthService } from "../gen/svault/health/v1/health_service_pb.js";
import { createGrpcJsClient } from "../test/support/grpc-js-client.js";
import { emit, LatencyRecorder, loaderOptionsFromArgv, summarize } from "./stats.js";

const options = loaderOptionsFromArgv();
const client = createGrpcJsClient(HealthService, options.target);

interface Window {
  ok: number;
  errors: number;
  non2xx: number;
  readonly latencies: LatencyRecorder | undefined;
}

async function run(seconds: number, window: Window): Promise<void> {
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const response = await client.rpc.check({});
        window.latencies?.record(performance.now() - started);
        if (response.status === "ok") window.ok++;
        else window.non2xx++;
      } catch (error) {
        // A gRPC status other than OK: the call completed, but not successfully.
        if (typeof (error as { code?: unknown }).code === "number") window.non2xx++;
        else window.errors++;
        if (window.errors + window.non2xx === 1) process.stderr.write(`gRPC failure: ${String(error)}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
}

const warmup: Window = { ok: 0, errors: 0, non2xx: 0, latencies: undefined };
if (options.warmupSeconds > 0) await run(options.warmupSeconds, warmup);

const measured: Window = { ok: 0, errors: 0, non2xx: 0, latencies: new LatencyRecorder() };
emit({ event: "measure-start" });
const cpuBefore = process.cpuUsage();
const started = performance.now();
await run(options.durationSeconds, measured);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
client.close();

emit({
  event: "result",
  result: summarize({
    ok: measured.ok,
    errors: measured.errors,
    non2xx: measured.non2xx,
    warmupFailures: warmup.errors + warmup.non2xx,
    elapsedMs,
    latencies: measured.latencies as LatencyRecorder,
    cpu,
  }),
});
