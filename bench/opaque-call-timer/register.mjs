// Times every `server.startLogin` and `server.finishLogin` call of @serenity-kit/opaque in the
// process it is preloaded into, with no change to svault's code. Node resolves the package to its
// CommonJS build (it has no "exports", and "main" names cjs/index.js), so this loads it first and
// replaces its exports' frozen `server` object with one whose two calls are wrapped; an `import`
// of the package then finds the module in require's cache.
//
// Per call: the wall time (performance.now) and the CPU time (process.cpuUsage: process-wide, so
// V8's background threads too while the call runs — Node 20 has no per-thread CPU clock, and
// /proc/thread-self/schedstat is only brought up to date when the thread is switched out), written
// as JSON to OPAQUE_CALL_TIMES.<pid>.json when the process exits; summary.ts reads them, and so
// does bench/auth-login-ab.ts with BENCH_AB_OPAQUE_CALLS=1 (both through call-times.ts). The
// wrapper costs each call two performance.now() and two process.cpuUsage() (≈ 1–2 µs).
//
// bench/auth-bench.ts starts the server, the in-process login and the ceiling with the same flags
// (BENCH_SERVICE_NODE_FLAGS keeps only words that start with "--", hence `--import=`):
//
//   OPAQUE_CALL_TIMES=/tmp/calls BENCH_SERVICE_NODE_FLAGS="--expose-gc --max-old-space-size=768 \
//     --import=$PWD/bench/opaque-call-timer/register.mjs" npm run bench:auth -- --scenarios login
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const out = process.env.OPAQUE_CALL_TIMES;
if (out) {
  const argv = process.argv.slice(1).join(" ");
  const calls = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const timed = (name, fn) =>
    function timed(input) {
      const c0 = cpu();
      const t0 = performance.now();
      try {
        return fn(input);
      } finally {
        const t1 = performance.now();
        calls.push([name, t0, t1 - t0, cpu() - c0]);
      }
    };
  process.on("exit", () => {
    writeFileSync(
      `${out}.${process.pid}.json`,
      JSON.stringify({
        argv,
        // performance.now()'s origin (ms since the epoch): `timeOrigin + at` compares with another process's times.
        timeOrigin: performance.timeOrigin,
        calls: calls.map(([name, at, wallMs, cpuUs]) => ({ name, at, wallUs: wallMs * 1000, cpuUs })),
      }),
    );
  });
  const opaque = createRequire(pathToFileURL(`${process.cwd()}/`))("@serenity-kit/opaque");
  opaque.server = Object.freeze({
    ...opaque.server,
    startLogin: timed("start", opaque.server.startLogin),
    finishLogin: timed("finish", opaque.server.finishLogin),
  });
}
