// What bench:peer records of each server's memory: its RSS (/proc/<pid>/status VmRSS) sampled
// every 250 ms for the whole run — the highest and the last sample of every window and every round —
// and, between windows, its heap as the memory probe (memory-probe.ts) reads it in the process.
import { readFileSync } from "node:fs";

/** Resident set size in MiB; 0 once the process has ended. */
export function rssMiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export interface RssSpan {
  /** The highest sample. */
  peak: number;
  /** The last sample. */
  end: number;
}

/**
 * Samples the RSS of every process in `pids` every `intervalMs` while it runs, into the spans
 * opened with `open` (a window, a round) until they are closed: each span holds one RssSpan per
 * process, sampled once more when it opens and when it closes, so that a short span has figures too.
 */
export class RssSampler<Name extends string> {
  private readonly open_ = new Set<Map<Name, RssSpan>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: ReadonlyMap<Name, number>,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  open(): Map<Name, RssSpan> {
    const span = new Map<Name, RssSpan>();
    for (const [name, pid] of this.pids) {
      const now = rssMiB(pid);
      span.set(name, { peak: now, end: now });
    }
    this.open_.add(span);
    return span;
  }

  close(span: Map<Name, RssSpan>): Map<Name, RssSpan> {
    this.sample();
    this.open_.delete(span);
    return span;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (this.open_.size === 0) return;
    for (const [name, pid] of this.pids) {
      const now = rssMiB(pid);
      for (const span of this.open_) {
        const figures = span.get(name) as RssSpan;
        figures.peak = Math.max(figures.peak, now);
        figures.end = now;
      }
    }
  }
}

/** The memory probe's answer, in MiB. */
export interface HeapFigures {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** V8's young generation, committed (its semi-spaces). */
  readonly newSpaceCommitted: number;
  readonly oldSpaceUsed: number;
  readonly oldSpaceCommitted: number;
  /** Code space and large-object spaces, used. */
  readonly codeAndLargeObjectsUsed: number;
  /** What V8 has mapped in all (total_physical_size). */
  readonly v8Physical: number;
  /** The highest V8 heap (total_physical_size, and used) sampled since the probe's previous answer. */
  readonly peakSincePrevious: { readonly physical: number; readonly used: number };
}

const MiB = 2 ** 20;

/** The heap of the process behind `probePort`; with `collect`, after a full collection. */
export async function heapFigures(probePort: number, collect = false): Promise<HeapFigures> {
  const res = await fetch(`http://127.0.0.1:${probePort}/memory${collect ? "?gc=1" : ""}`);
  if (!res.ok) throw new Error(`memory probe: ${res.status}`);
  const answer = (await res.json()) as {
    memoryUsage: NodeJS.MemoryUsage;
    heap: { total_physical_size: number };
    peakSincePrevious: { physical: number; used: number };
    spaces: Record<string, { used: number; committed: number }>;
  };
  const space = (name: string) => answer.spaces[name] ?? { used: 0, committed: 0 };
  return {
    rss: answer.memoryUsage.rss / MiB,
    heapUsed: answer.memoryUsage.heapUsed / MiB,
    heapTotal: answer.memoryUsage.heapTotal / MiB,
    external: answer.memoryUsage.external / MiB,
    arrayBuffers: answer.memoryUsage.arrayBuffers / MiB,
    newSpaceCommitted: space("new_space").committed / MiB,
    oldSpaceUsed: space("old_space").used / MiB,
    oldSpaceCommitted: space("old_space").committed / MiB,
    codeAndLargeObjectsUsed:
      (space("code_space").used +
        space("large_object_space").used +
        space("code_large_object_space").used +
        space("new_large_object_space").used) /
      MiB,
    v8Physical: answer.heap.total_physical_size / MiB,
    peakSincePrevious: { physical: answer.peakSincePrevious.physical / MiB, used: answer.peakSincePrevious.used / MiB },
  };
}

/** Writes a heap snapshot of the process behind `probePort` to `path` (it blocks that process meanwhile). */
export async function heapSnapshot(probePort: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${probePort}/heap-snapshot?path=${encodeURIComponent(path)}`, { method: "POST" });
  if (!res.ok) throw new Error(`memory probe: ${res.status}`);
  return ((await res.json()) as { path: string }).path;
}
