// `taskset -c 0 node --import tsx bench/duty-cycle.ts [rounds] [pause ms]`: what the same CPU
// work costs per unit when the core is busy all the time against when it idles between units —
// the question behind reading a server that is not saturated against the OPAQUE ceiling, which is
// (docs/performance.md, "Where issue 22 stands (2026-12-07, 13:30 UTC)").
//
// The unit is the ceiling's: the two OPAQUE server calls of a login (bench/opaque-ceiling.ts), on
// users registered in this process. Each round runs two slices of 1.5 s in turn: "tight", logins
// back to back as the ceiling runs them, and "paced", each login followed by a timer (1 ms unless
// given), so that the core idles part of the time, as a server's does under partial load. The
// process's CPU time (process.cpuUsage) around each login is compared slice by slice; nothing but
// the timer differs.
import * as opaque from "@serenity-kit/opaque";
import { setTimeout as sleep } from "node:timers/promises";
import { type PreparedLogin, prepareLogin, registerLocally, serverFinishLogin, serverStartLogin } from "./opaque-ceiling.js";
import { median } from "./stats.js";

const ROUNDS = Number(process.argv[2] ?? 8);
const SLICE_MS = 1500;
const PAUSE_MS = Number(process.argv[3] ?? 1);

await opaque.ready;
const serverSetup = opaque.server.createSetup();
const identifiers = { client: "duty-user", server: "https://duty.example" };
const logins: PreparedLogin[] = Array.from({ length: 16 }, (_, i) => {
  const password = `duty-secret-${i}`;
  const userIdentifier = `duty-${i}`;
  const registrationRecord = registerLocally(serverSetup, userIdentifier, identifiers, password);
  return prepareLogin({ serverSetup, registrationRecord, userIdentifier, identifiers, password });
});

let next = 0;
function login(): void {
  const p = logins[next++ % logins.length] as PreparedLogin;
  serverStartLogin(serverSetup, p);
  serverFinishLogin(p);
}

/**
 * One slice: CPU µs per login counted around each login alone, and all the process's CPU in the
 * slice per login (in a paced slice that adds the wake-up from each pause: the timer, the event
 * loop, the kernel's return from idle), and the share of the slice the process was on the CPU.
 */
async function slice(paced: boolean): Promise<{ loginUs: number; allUs: number; busy: number }> {
  const slice0 = process.cpuUsage();
  const t0 = performance.now();
  let count = 0;
  let loginsUs = 0;
  while (performance.now() - t0 < SLICE_MS) {
    const before = process.cpuUsage();
    login();
    const spent = process.cpuUsage(before);
    loginsUs += spent.user + spent.system;
    count++;
    if (paced) await sleep(PAUSE_MS);
  }
  const all = process.cpuUsage(slice0);
  const allUs = all.user + all.system;
  return { loginUs: loginsUs / count, allUs: allUs / count, busy: allUs / 1000 / (performance.now() - t0) };
}

await slice(false); // warm-up
const series = () => ({ login: [] as number[], all: [] as number[], busy: [] as number[] });
const tight = series();
const paced = series();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [false, true] : [true, false];
  for (const isPaced of order) {
    const { loginUs, allUs, busy } = await slice(isPaced);
    const into = isPaced ? paced : tight;
    into.login.push(loginUs);
    into.all.push(allUs);
    into.busy.push(busy);
    process.stderr.write(
      `[duty] round ${round + 1} ${isPaced ? "paced" : "tight"}: ${loginUs.toFixed(0)} µs/login alone, ${allUs.toFixed(0)} with everything, busy ${(busy * 100).toFixed(0)} %\n`,
    );
  }
}
const cell = (values: number[]) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
console.log("| slices | core busy | CPU µs per login, the login alone | CPU µs per login, all the slice's |");
console.log("|---|---:|---:|---:|");
console.log(`| tight (back to back) | ${(median(tight.busy) * 100).toFixed(0)} % | ${cell(tight.login)} | ${cell(tight.all)} |`);
console.log(
  `| paced (a ${PAUSE_MS} ms timer after each) | ${(median(paced.busy) * 100).toFixed(0)} % | ${cell(paced.login)} | ${cell(paced.all)} |`,
);
console.log(
  `\nthe login alone, paced ÷ tight: ${(median(paced.login) / median(tight.login)).toFixed(2)}; a wake-up from a pause: ≈ ${(median(paced.all) - median(paced.login) - (median(tight.all) - median(tight.login))).toFixed(0)} µs of CPU`,
);
