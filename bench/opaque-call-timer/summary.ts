// Summarises the call times register.mjs wrote: per process and per call (startLogin,
// finishLogin), over the last S seconds of that process's calls (the measured window of a bench
// run ends with its last call): count, wall-time median and mean, and process CPU-time mean, in µs.
// "start"/"finish": calls of a ceiling loop (a startLogin followed within 20 µs by a finishLogin);
// "start*"/"finish*": the others (the login's, in the server or the in-process login).
//
//   node --import tsx bench/opaque-call-timer/summary.ts [--last 8] FILE…
import { parseArgs } from "node:util";
import { type OpaqueCall as Call, readCallTimes } from "./call-times.js";

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { last: { type: "string", default: "8" } } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number) => x.toFixed(1);
for (const file of positionals) {
  const { argv, calls } = readCallTimes(file);
  if (calls.length === 0) continue;
  const end = Math.max(...calls.map((c) => c.at));
  const recent = calls.filter((c) => c.at >= end - Number(args.last) * 1000);
  const program = /bench\/([\w-]+)\.ts/.exec(argv)?.[1] ?? argv.slice(0, 60);
  // A startLogin followed at once by a finishLogin is a ceiling loop's (bench/opaque-ceiling.ts:
  // the in-process login's process runs both); the server's finishLogin comes in a later request.
  const inLoop = new Set<Call>();
  for (let i = 0; i + 1 < recent.length; i++) {
    const [a, b] = [recent[i] as Call, recent[i + 1] as Call];
    if (a.name === "start" && b.name === "finish" && b.at - (a.at + a.wallUs / 1000) < 0.02) inLoop.add(a).add(b);
  }
  const groups = [
    ["start", (c: Call) => c.name === "start" && inLoop.has(c)],
    ["finish", (c: Call) => c.name === "finish" && inLoop.has(c)],
    ["start*", (c: Call) => c.name === "start" && !inLoop.has(c)],
    ["finish*", (c: Call) => c.name === "finish" && !inLoop.has(c)],
  ] as const;
  for (const [name, test] of groups) {
    const these = recent.filter(test);
    if (these.length === 0) continue;
    const wall = these.map((c) => c.wallUs);
    const cpu = these.map((c) => c.cpuUs);
    process.stdout.write(
      `${program.padEnd(20)} ${name.padEnd(6)} n ${String(these.length).padStart(6)}  wall median ${f(median(wall)).padStart(7)} mean ${f(mean(wall)).padStart(7)}  cpu mean ${f(mean(cpu)).padStart(7)} µs\n`,
    );
  }
}
