// The login ceiling in slices, for bench/auth-login-ab.ts (BENCH_AB_CEILING=1): the raw OPAQUE
// server work of a login (bench/opaque-ceiling.ts) in a process pinned to the servers' core, run
// for one slice whenever the launcher asks, between the servers' slices of login load. So the
// ceiling samples the same moments of the VM as the logins it is compared with: run apart, before
// and after the scenarios (bench:auth), its CPU per login varied by a quarter within one run.
//
// One JSON argument (CeilingMaterial). Prints `{"ready":true}` once prepared; then, for each line
// `<ms>` on stdin, runs the loop for that long and prints `{"logins":N}`. The launcher reads the
// process's CPU from /proc, as it does the servers'.
import { createInterface } from "node:readline";
import { type CeilingMaterial, prepareCeiling } from "./opaque-ceiling.js";
import { childOptions } from "./stats.js";

const ceiling = await prepareCeiling(childOptions<CeilingMaterial>("CeilingMaterial"));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const ms = Number(line);
  if (!(ms > 0)) throw new Error(`a slice's length in ms, got ${JSON.stringify(line)}`);
  const { logins } = ceiling.loop(ms);
  process.stdout.write(`${JSON.stringify({ logins })}\n`);
}
