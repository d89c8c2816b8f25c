// What a load-generator child reports (one JSON line on stdout), and the small statistics the
// launcher needs. Latencies are kept exactly (milliseconds as floats) and sorted at the end,
// rather than bucketed, so that sub-millisecond differences between scenarios stay visible.

/** The load generator's answer for the measured window (the warm-up is reported apart). */
export interface LoadResult {
  /** Completed requests with a 2xx (gRPC: OK with `status: "ok"`) answer. */
  readonly ok: number;
  /** Transport errors, timeouts, resets, unexpected bodies. */
  readonly errors: number;
  /** Answers with a non-2xx status (HTTP) or a non-OK status (gRPC). */
  readonly non2xx: number;
  /** Errors and non-2xx answers during the warm-up (must also be 0). */
  readonly warmupFailures: number;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time the load generator itself used in the measured window, in % of one core. */
  readonly loaderCpuPercent: number;
}

/** Events a load-generator child writes on stdout, one JSON object per line. */
export type LoaderEvent = { readonly event: "measure-start" } | { readonly event: "result"; readonly result: LoadResult };

/** The value at percentile `p` (0–100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Accumulates exact latencies without reallocating per sample. */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  sorted(): Float64Array {
    return this.samples.slice(0, this.count).sort();
  }
}

/** Turns the raw measurements of one window into a LoadResult. */
export function summarize(input: {
  ok: number;
  errors: number;
  non2xx: number;
  warmupFailures: number;
  elapsedMs: number;
  latencies: LatencyRecorder;
  cpu: NodeJS.CpuUsage;
}): LoadResult {
  const sorted = input.latencies.sorted();
  const cpuMs = (input.cpu.user + input.cpu.system) / 1000;
  return {
    ok: input.ok,
    errors: input.errors,
    non2xx: input.non2xx,
    warmupFailures: input.warmupFailures,
    elapsedMs: input.elapsedMs,
    requestsPerSecond: (input.ok + input.non2xx) / (input.elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    loaderCpuPercent: (cpuMs / input.elapsedMs) * 100,
  };
}

/** Writes one event line for the launcher. */
export function emit(event: LoaderEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** The child's options, passed by the launcher as one JSON argument. */
export interface LoaderOptions {
  readonly target: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The exact body every answer must have (HTTP scenarios). */
  readonly expectBody?: string;
}

/** A benchmark child's options: the one JSON argument its launcher passes (`what` names the type, for the usage line). */
export function childOptions<T>(what: string): T {
  const raw = process.argv[2];
  if (!raw) throw new Error(`usage: ${process.argv[1] ?? "<child>"} '<${what} JSON>'`);
  return JSON.parse(raw) as T;
}

export function loaderOptionsFromArgv(): LoaderOptions {
  return childOptions<LoaderOptions>("LoaderOptions");
}
