// Waiting in a test for something to happen, never for time to pass. A fixed delay is either too
// short on a loaded machine (the test fails for nothing) or longer than needed everywhere else;
// a condition checked again whenever it may have changed is neither. What cannot be observed this
// way — time itself (expiry, idle timeouts, rate-limit windows) — is moved on with the server's
// injected clock instead; work the server left running is awaited with `TestServer.settled()`.
// There is no deadline here: a wait that never ends is ended by the runner's per-test limit
// (scripts/test.sh), which fails the test naming it.
import type { EventEmitter } from "node:events";
import { setImmediate } from "node:timers/promises";

type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

export interface UntilOptions {
  /** What is awaited, for the error a failing check gives. */
  readonly what: string;
  /**
   * An emitter that tells of a change, and the events that do: the condition is checked again on
   * each. Without it the condition is checked again after each turn of the event loop (no delay:
   * I/O goes first) — for state that only a query can see, where each check is that round trip.
   */
  readonly on?: readonly [EventEmitter, ...string[]];
}

/** Resolves with the condition's first truthy answer; rejects if checking it throws. */
export async function until<T>(condition: () => T | Promise<T>, options: UntilOptions): Promise<Truthy<T>> {
  for (;;) {
    const changed = options.on ? nextEvent(options.on) : undefined;
    let answer: T;
    try {
      answer = await condition();
    } catch (error) {
      changed?.cancel();
      throw new Error(`while waiting until ${options.what}: ${String(error)}`, { cause: error });
    }
    if (answer) {
      changed?.cancel();
      return answer as Truthy<T>;
    }
    // Unreferenced: a wait that outlives its test does not keep the process alive.
    await (changed?.happened ?? setImmediate(undefined, { ref: false }));
  }
}

/** The next of `events` on `emitter` (listened for before the check, so that none is missed). */
function nextEvent([emitter, ...events]: readonly [EventEmitter, ...string[]]): { happened: Promise<void>; cancel(): void } {
  let listener = () => {};
  const happened = new Promise<void>((resolve) => {
    listener = () => {
      for (const event of events) emitter.off(event, listener);
      resolve();
    };
    for (const event of events) emitter.on(event, listener);
  });
  return { happened, cancel: () => listener() };
}
