// Counts AsyncLocalStorage.run / enterWith calls in this process, from the moment this module is
// evaluated: import it first, before anything that could call them. On Node 20 the first such call
// turns on async_hooks' promise hooks for the whole process for good (docs/performance.md,
// "Promise hooks off"), so one call anywhere is one too many.
import { AsyncLocalStorage } from "node:async_hooks";

/** Where each call came from (its stack), in order. */
export const alsCalls: string[] = [];

for (const method of ["run", "enterWith"] as const) {
  const original = AsyncLocalStorage.prototype[method] as (...args: unknown[]) => unknown;
  (AsyncLocalStorage.prototype as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    alsCalls.push(`AsyncLocalStorage.${method}\n${new Error().stack?.split("\n").slice(2, 12).join("\n")}`);
    return original.apply(this, args);
  };
}
