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

/** The CPU µs of the calls that began between `fromEpochMs` and `toEpochMs`, and how many there were of each. */
export function callsInWindow(
  times: CallTimes,
  fromEpochMs: number,
  toEpochMs: number,
): { cpuUs: number; starts: number; finishes: number } {
  if (times.timeOrigin === undefined) throw new Error("a call-times file without timeOrigin: written by an older register.mjs");
  let cpuUs = 0;
  let starts = 0;
  let finishes = 0;
  for (const call of times.calls) {
    const at = times.timeOrigin + call.at;
    if (at < fromEpochMs || at > toEpochMs) continue;
    cpuUs += call.cpuUs;
    if (call.name === "start") starts++;
    else finishes++;
  }
  return { cpuUs, starts, finishes };
}
