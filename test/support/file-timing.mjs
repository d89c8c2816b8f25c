// Where a test run's time goes: with TEST_FILE_TIMINGS=<path>, scripts/test.sh loads this into every
// test process — a test worker, or a file with a process of its own — and each appends one JSON line
// to <path> as it exits: its entry file, its wall time, its CPU time (its own, and that of the child
// processes it waited for: the CLI, Chromium), and how long it took to exit after its last test
// ended (teardown, and any handle left open that keeps the process alive). A worker also writes one
// line per file it ran (workers/worker.ts). docs/operations.md, "Tests", has the figures of whole runs.
import { appendFileSync } from "node:fs";
import { processCpuMs } from "./process-cpu.ts";

const out = process.env.TEST_FILE_TIMINGS;
// NODE_TEST_CONTEXT is set in the runner's child processes (the test processes), not in the runner.
if (out && process.env.NODE_TEST_CONTEXT) {
  const { after } = await import("node:test");
  let testsEndedAt = Number.NaN;
  after(() => {
    testsEndedAt = performance.now();
  });
  process.on("exit", () => {
    const wallMs = performance.now();
    const cpu = processCpuMs();
    const line = {
      file: process.argv[1],
      wallMs: Math.round(wallMs),
      cpuMs: cpu.own,
      childrenCpuMs: cpu.children,
      exitAfterTestsMs: Math.round(wallMs - testsEndedAt),
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
