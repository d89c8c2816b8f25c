// Preloaded into a benchmarked server (`node --expose-gc --import …/gc-on-signal.mjs`): on SIGUSR2
// it runs a full garbage collection and then prints `{"gc":N}` on stdout, so that a counting
// window (bench/request-instructions.ts) can start on a collected heap. A major collection lands in
// a window or not by chance, and moved one window's count by ±40 %; after a full collection none is
// due for the next few thousand requests, and the scavenges, which follow the allocations, remain.
let collections = 0;
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  collections++;
  process.stdout.write(`${JSON.stringify({ gc: collections })}\n`);
});
