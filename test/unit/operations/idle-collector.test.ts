// The collection when the service falls idle (src/operations/idle-collector.ts): once per busy
// spell, one whole period after the last request, and once more a few seconds later; never while
// requests come. The timers are the test's own (each tick is one period; the second collection's
// timer runs when the test says), and the collection a real V8 one where node exposes it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { type After, type Every, exposedCollection, startIdleCollector } from "../../../src/operations/idle-collector.js";

/** A collector whose periods the test ends by hand; `served` is the request count it watches. */
function watched() {
  let served = 0;
  let collections = 0;
  let tick: (() => void) | undefined;
  let stopped = false;
  let second: { ms: number; run: () => void } | undefined;
  const every: Every = (_ms, onTick) => {
    tick = onTick;
    return () => {
      stopped = true;
    };
  };
  const after: After = (ms, run) => {
    second = { ms, run };
    return () => {
      second = undefined;
    };
  };
  const stop = startIdleCollector({
    served: () => served,
    collect: () => collections++,
    idleMs: 10_000,
    quietRequests: 3,
    settleMs: 6_000,
    every,
    after,
  });
  return {
    request: (count = 1) => {
      served += count;
    },
    period: () => {
      if (!stopped) tick?.();
    },
    /** The wait the second collection was given, if one is pending. */
    pendingSecond: () => second?.ms,
    /** The second collection's timer fires. */
    settle: () => {
      const pending = second;
      second = undefined;
      pending?.run();
    },
    collections: () => collections,
    stop,
  };
}

describe("idle collector", () => {
  it("collects after the first quiet period following the start, again settleMs later, and not again while idle", () => {
    const collector = watched();
    collector.period();
    assert.equal(collector.collections(), 1, "the start's garbage");
    assert.equal(collector.pendingSecond(), 6_000, "a second collection is due");
    collector.settle();
    assert.equal(collector.collections(), 2, "the one that lets V8 shrink the young generation");
    collector.period();
    collector.period();
    assert.equal(collector.collections(), 2, "nothing new to give back");
    assert.equal(collector.pendingSecond(), undefined);
  });

  it("skips the second collection when traffic came back meanwhile", () => {
    const collector = watched();
    collector.period();
    collector.request(20);
    collector.settle();
    assert.equal(collector.collections(), 1, "no pause for the requests that came back");
    collector.period();
    collector.period();
    assert.equal(collector.collections(), 2, "their own idle spell collects");
  });

  it("cancels a pending second collection when stopped", () => {
    const collector = watched();
    collector.period();
    collector.stop();
    assert.equal(collector.pendingSecond(), undefined);
  });

  it("waits while requests come, then collects once a whole period passed quietly", () => {
    const collector = watched();
    collector.request(4);
    collector.period();
    collector.request(50);
    collector.period();
    assert.equal(collector.collections(), 0, "busy periods");
    collector.period();
    assert.equal(collector.collections(), 1);
    collector.period();
    assert.equal(collector.collections(), 1);
    collector.request(4);
    collector.period();
    assert.equal(collector.collections(), 1, "a busy period is not idle");
    collector.period();
    assert.equal(collector.collections(), 2, "a new busy spell, a new collection");
  });

  it("counts a period with only health checks and scrapes (at most quietRequests) as quiet", () => {
    const collector = watched();
    collector.request(100);
    collector.period();
    collector.request(3);
    collector.period();
    assert.equal(collector.collections(), 1, "three probes do not keep it busy");
    collector.request(3);
    collector.period();
    assert.equal(collector.collections(), 1, "and do not start a busy spell either");
  });

  it("stops when told (the service's shutdown)", () => {
    const collector = watched();
    collector.stop();
    collector.period();
    assert.equal(collector.collections(), 0);
  });

  it("uses V8's full collection when node runs with --expose-gc, and none without", () => {
    assert.equal(exposedCollection(), undefined, "the test runner has no --expose-gc");
    const module = new URL("../../../src/operations/idle-collector.ts", import.meta.url).href;
    // A full (mark-compact) collection shows as a major GC entry of perf_hooks.
    const script = `
      import { PerformanceObserver, constants } from "node:perf_hooks";
      const { exposedCollection } = await import(${JSON.stringify(module)});
      const collect = exposedCollection();
      if (!collect) throw new Error("no collection with --expose-gc");
      let majors = 0;
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
      });
      observer.observe({ entryTypes: ["gc"] });
      // The entries arrive after the collection; without one the process just ends with 0.
      process.once("exit", () => process.stdout.write(String(majors)));
      collect();
    `;
    const majors = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    assert.ok(Number(majors) >= 1, `major collections seen: ${majors}`);
  });
});
