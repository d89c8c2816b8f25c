// The main thread's instructions in a callgrind dump that depend on the run more than on the
// code — TurboFan's compiles and the old generation's collections — for the instruction counters
// that report a count without them (bench/login-instructions.ts, bench/login-statements-instructions.ts).
import { execFileSync } from "node:child_process";

/**
 * The main thread's instructions that depend on the run more than on the code: TurboFan's compiles
 * (when a function gets hot and deoptimises moves between runs) and the old generation's marking
 * and sweeping (a major GC falls in a window or not). Inclusive costs of their entry points, from
 * callgrind_annotate; the young generation's collections of the logins' garbage stay counted.
 */
export function runDependent(file: string): { compiler: number; majorGc: number } {
  const text = execFileSync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", file], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const inclusive = (entry: string) => {
    let cost = 0;
    for (const line of text.split("\n")) {
      const match = /^\s*([\d,]+) \([ \d.]+%\)\s+\S*?:(.*)$/.exec(line);
      // The outermost frame only (a recursive one is named with a ' suffix).
      if (match?.[2]?.startsWith(`${entry}(`)) cost = Math.max(cost, Number((match[1] as string).replaceAll(",", "")));
    }
    return cost;
  };
  return {
    compiler: inclusive("v8::internal::Runtime_CompileOptimized"),
    majorGc: [
      "v8::internal::IncrementalMarking::Step",
      "v8::internal::MarkCompactCollector::CollectGarbage",
      "v8::internal::Sweeper::RawSweep",
    ]
      .map(inclusive)
      .reduce((sum, cost) => sum + cost, 0),
  };
}
