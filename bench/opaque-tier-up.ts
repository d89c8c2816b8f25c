// How far V8's dynamic tiering has moved OPAQUE's wasm from Liftoff to TurboFan after N logins:
// `server.startLogin` in a loop on one prepared KE1, printing the CPU time per login of each
// thousand (process.cpuUsage: V8's background compilation on the same core included) and, at
// the end, the RSS after a full GC. Run it with --trace-wasm-compilation-times to see each
// function's compilation ("using TurboFan") between the thousands, and with
// --no-wasm-dynamic-tiering (every function tiered up at once, in the background) or
// --wasm-tiering-budget=N to compare (docs/performance.md, "OPAQUE's wasm in the server and in
// the ceiling").
//
//   taskset -c 0 node --expose-gc [V8 flags] --import tsx bench/opaque-tier-up.ts [LOGINS=12000]
import * as opaque from "@serenity-kit/opaque";
import { registerLocally } from "./opaque-ceiling.js";

await opaque.ready;
const serverSetup = opaque.server.createSetup();
const password = "a-password-of-some-length";
const identifiers = { client: "tenant:user", server: "https://issuer.example/t/tenant" };
const userIdentifier = "credential-0";
const registrationRecord = registerLocally(serverSetup, userIdentifier, identifiers, password);
const { startLoginRequest } = opaque.client.startLogin({ password });
process.stdout.write("MARK set-up done\n");

const logins = Number(process.argv[2] ?? 12_000);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let before = cpu();
for (let i = 1; i <= logins; i++) {
  opaque.server.startLogin({ serverSetup, startLoginRequest, registrationRecord, userIdentifier, identifiers });
  if (i % 1000 === 0) {
    const now = cpu();
    process.stdout.write(`MARK ${i} ${((now - before) / 1000).toFixed(1)} µs/login (CPU)\n`);
    before = now;
  }
}
globalThis.gc?.();
process.stdout.write(`MARK rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB\n`);
