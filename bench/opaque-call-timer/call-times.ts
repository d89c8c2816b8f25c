// Reads what register.mjs wrote for one process: its OPAQUE server calls with their wall and CPU
// time (summary.ts prints them; bench/auth-login-ab.ts sums a window's CPU per login).
import { readFileSync } from "node:fs";

export interface OpaqueCall {
  readonly name: "start" | "finish";
  /** performance.now() of the process when the call began, ms. */
  readonly at: number;
  readonly wallUs: number;
  readonly cpuUs: number;
}

export interface CallTimes {
  /** The process's command line. */
  readonly argv: string;
  /** performance.timeOrigin of the process (ms since the epoch); absent in files of older versions. */
  readonly timeOrigin?: number;
  readonly calls: readonly OpaqueCall[];
}

export function readCallTimes(file: string): CallTimes {
  return JSON.parse(readFileSync(file, "utf8")) as CallTimes;
}

/** The CPU µs of the calls that began between `fromEpochMs` and `toEpochMs`. */
export function callsCpuInWindow(times: CallTimes, fromEpochMs: number, toEpochMs: number): number {
  const { timeOrigin } = times;
  if (timeOrigin === undefined) throw new Error("a call-times file without timeOrigin: written by an older register.mjs");
  let cpuUs = 0;
  for (const call of times.calls) {
    const at = timeOrigin + call.at;
    if (at >= fromEpochMs && at <= toEpochMs) cpuUs += call.cpuUs;
  }
  return cpuUs;
}
