// One full garbage collection when the service falls idle, so that an idle instance gives back
// the memory its last busy spell (or its start) made V8 keep.
//
// Under load V8 grows the young generation's two semi-spaces to 16 MiB each (its default cap) and
// the old generation's reserve; it gives that memory back only in a collection made while little
// is being allocated, and when nothing happens Node runs no collection at all. So an idle service
// kept ≈ 30 MiB it no longer used: 136 → 108 MiB a few seconds after one full collection, on a
// migrated database (docs/performance.md, "The young generation: V8's defaults, and a collection
// when idle"). Capping the semi-spaces at 4 MiB (`--max-semi-space-size=4`, how the service ran
// before) kept an idle instance small too, but made every request pay for four times as many
// scavenges: up to 8 % more CPU per request on a quiet machine, 10–27 % on a loaded one. Now
// requests run with V8's defaults, and the instance collects once when they stop.
//
// It needs node's `--expose-gc` (package.json's start script and the container's CMD pass it);
// without it (the tests, `tsx`), `globalThis.gc` is absent and nothing is collected.

/** A repeating timer; returns a function that stops it. Injected by the tests. */
export type Every = (ms: number, tick: () => void) => () => void;

export interface IdleCollectorOptions {
  /** How many requests the service has answered so far (any count that grows with every request). */
  readonly served: () => number;
  /** Runs a full collection. */
  readonly collect: () => void;
  /** A whole period with at most `quietRequests` requests counts as idle. */
  readonly idleMs?: number;
  /** Requests a quiet period may still see: health checks and metrics scrapes. */
  readonly quietRequests?: number;
  readonly every?: Every;
}

/** How long a quiet spell makes the instance idle: long enough that a pause in traffic does not cost a collection each time. */
export const IDLE_MS = 10_000;

/**
 * What a quiet period may still see: a load balancer's health checks (HAProxy's default is one
 * every 2 s, Kubernetes' probes one every 10 s each) and metrics scrapes, which would otherwise
 * keep an instance that serves nobody from ever counting as idle.
 */
export const QUIET_REQUESTS = 10;

const unrefInterval: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * Starts watching for idleness: once a period (`idleMs`) it counts the requests served since the
 * previous tick; after a quiet period (at most `quietRequests`) that follows a busy one it collects,
 * once per busy spell (the start counts as one). Returns a function that stops it.
 */
export function startIdleCollector(options: IdleCollectorOptions): () => void {
  const quietRequests = options.quietRequests ?? QUIET_REQUESTS;
  let seen = options.served();
  let busySinceCollection = true;
  return (options.every ?? unrefInterval)(options.idleMs ?? IDLE_MS, () => {
    const served = options.served();
    const requests = served - seen;
    seen = served;
    if (requests > quietRequests) busySinceCollection = true;
    else if (busySinceCollection) {
      busySinceCollection = false;
      options.collect();
    }
  });
}

/**
 * V8's full (mark-compact) collection when node runs with `--expose-gc`, else undefined. Called
 * with no argument: Node 20's V8 takes `gc({ type: "major" })` for a young-generation one.
 */
export function exposedCollection(): (() => void) | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? () => gc() : undefined;
}
