// Full garbage collections when the service falls idle (one, and a second a few seconds later), so
// that an idle instance gives back the memory its last busy spell (or its start) made V8 keep.
//
// Under load V8 grows the young generation's two semi-spaces to 16 MiB each (its default cap) and
// the old generation's reserve; it gives that memory back only in a collection made while little
// is being allocated, and when nothing happens Node runs no collection at all. So an idle service
// kept ≈ 30 MiB it no longer used: 136 → 108 MiB a few seconds after one full collection, on a
// migrated database (docs/performance.md, "The young generation: V8's defaults, and a collection
// when idle"). Capping the semi-spaces at 4 MiB (`--max-semi-space-size=4`, how the service ran
// before) kept an idle instance small too, but made every request pay for four times as many
// scavenges: up to 8 % more CPU per request on a quiet machine, 10–27 % on a loaded one. Now
// requests run with V8's defaults, and the instance collects when they stop.
//
// One collection is not enough to shrink the young generation: V8 shrinks it only in a collection
// that finds little allocated lately, and at the first idle collection that measure still covers
// the busy spell (or the start). So a second collection follows some seconds later. Measured on
// Node 20 with `npm start`'s flags, the compiled server idle after its start: the young generation
// stayed at 32 MiB after the first collection and after a second one 3 s later, and fell to 1 MiB
// (RSS 143 → 115 MiB) after a second one 6 s later; with one collection, V8's own memory reducer
// shrank it ≈ 12 s after it, so an instance measured 22 s after its start held 141 MiB
// (docs/performance.md, "Where issue 22 stands").
//
// It needs node's `--expose-gc` (package.json's start script and the container's CMD pass it);
// without it (the tests, `tsx`), `globalThis.gc` is absent and nothing is collected.

/** A repeating timer; returns a function that stops it. Injected by the tests. */
export type Every = (ms: number, tick: () => void) => () => void;

/** A one-off timer; returns a function that cancels it. Injected by the tests. */
export type After = (ms: number, run: () => void) => () => void;

export interface IdleCollectorOptions {
  /** How many requests the service has answered so far (any count that grows with every request). */
  readonly served: () => number;
  /** Runs a full collection. */
  readonly collect: () => void;
  /** A whole period with at most `quietRequests` requests counts as idle. */
  readonly idleMs?: number;
  /** Requests a quiet period may still see: health checks and metrics scrapes. */
  readonly quietRequests?: number;
  /** How long after the idle collection the second one runs (see above). */
  readonly settleMs?: number;
  readonly every?: Every;
  readonly after?: After;
}

/** How long a quiet spell makes the instance idle: long enough that a pause in traffic does not cost a collection each time. */
export const IDLE_MS = 10_000;

/**
 * What a quiet period may still see: a load balancer's health checks (HAProxy's default is one
 * every 2 s, Kubernetes' probes one every 10 s each) and metrics scrapes, which would otherwise
 * keep an instance that serves nobody from ever counting as idle.
 */
export const QUIET_REQUESTS = 10;

/** The wait between the two collections of an idle spell: 6 s shrank the young generation, 3 s did not. */
export const SETTLE_MS = 6_000;

const unrefInterval: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

const unrefTimeout: After = (ms, run) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Starts watching for idleness: once a period (`idleMs`) it counts the requests served since the
 * previous tick; after a quiet period (at most `quietRequests`) that follows a busy one it collects,
 * and again `settleMs` later unless requests came meanwhile — once per busy spell (the start counts
 * as one). Returns a function that stops it.
 */
export function startIdleCollector(options: IdleCollectorOptions): () => void {
  const quietRequests = options.quietRequests ?? QUIET_REQUESTS;
  const after = options.after ?? unrefTimeout;
  let seen = options.served();
  let busySinceCollection = true;
  let cancelSecond = () => {};
  const stopTicks = (options.every ?? unrefInterval)(options.idleMs ?? IDLE_MS, () => {
    const served = options.served();
    const requests = served - seen;
    seen = served;
    if (requests > quietRequests) busySinceCollection = true;
    else if (busySinceCollection) {
      busySinceCollection = false;
      options.collect();
      cancelSecond = after(options.settleMs ?? SETTLE_MS, () => {
        // Traffic came back: its own idle spell will collect; a collection now would only pause it.
        if (options.served() - seen <= quietRequests) options.collect();
      });
    }
  });
  return () => {
    stopTicks();
    cancelSecond();
  };
}

/**
 * V8's full (mark-compact) collection when node runs with `--expose-gc`, else undefined. Called
 * with no argument: Node 20's V8 takes `gc({ type: "major" })` for a young-generation one.
 */
export function exposedCollection(): (() => void) | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? () => gc() : undefined;
}
