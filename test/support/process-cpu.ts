// A test process's CPU time in ms: its own, and that of the child processes it waited for (the
// CLI, Chromium). For the per-file timings (TEST_FILE_TIMINGS: file-timing.mjs, which ts-loader.mjs,
// loaded before it, lets import TypeScript; workers/worker.ts).
import { readFileSync } from "node:fs";

export function processCpuMs(): { own: number; children: number } {
  const own = process.cpuUsage();
  // /proc/self/stat: cutime and cstime (clock ticks of 10 ms) are fields 16 and 17.
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  return { own: Math.round((own.user + own.system) / 1000), children: (Number(fields[13]) + Number(fields[14])) * 10 };
}
