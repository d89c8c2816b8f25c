// What one REST request costs a Node server when its handler also computes (docs/performance.md,
// "The login over REST: where its extra CPU went"): a bare Fastify app (no svault code) whose
// POST route optionally runs, per request, OPAQUE server.startLogin (WASM=1), a walk over an 8 MiB
// array (WASM=mem, PASSES), or a register-only loop (WASM=js, ITER); BATCH=1 runs that work for
// all requests of one event-loop turn together (setImmediate), AFTER=1 after the answer instead.
// POST /mark reports the process CPU, the work's own CPU and the request count; POST /calib the
// CPU of 300 runs of the work back to back. Driven by run.sh (timing) and cg.sh (callgrind).
import Fastify from "fastify";
import * as opaque from "@serenity-kit/opaque";
await opaque.ready;
const MODE = process.env.WASM;
const WASM = MODE === "1";
const ITER = Number(process.env.ITER ?? 1000000);
const big = new Float64Array(1 << 20);
function busy() {
  if (MODE === "js") {
    let x = 0;
    for (let i = 0; i < ITER; i++) x = (Math.imul(x, 1103515245) + i) | 0;
    return String(x);
  }
  let s = 0;
  for (let r = 0; r < Number(process.env.PASSES ?? 2); r++)
    for (let i = 0; i < big.length; i += 8) {
      big[i] += 1;
      s += big[i];
    }
  return String(s);
}
const setup = opaque.server.createSetup();
const pw = "pw";
const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: pw });
const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup: setup, userIdentifier: "u", registrationRequest });
const { registrationRecord } = opaque.client.finishRegistration({
  clientRegistrationState,
  registrationResponse,
  password: pw,
  keyStretching: "memory-constrained",
});
const { startLoginRequest } = opaque.client.startLogin({ password: pw });
let wasmMs = 0;
const app = Fastify({ logger: false });
const queue = [];
let scheduled = false;
function drain() {
  scheduled = false;
  const jobs = queue.splice(0);
  for (const [fn, res] of jobs) res(fn());
}
const batched = (fn) =>
  process.env.BATCH === "1"
    ? new Promise((res) => {
        queue.push([fn, res]);
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      })
    : fn();
app.post("/api/v1/auth/challenge", async (req, reply) => {
  let out = "x";
  if (WASM) {
    out = (
      await batched(() => opaque.server.startLogin({ serverSetup: setup, userIdentifier: "u", registrationRecord, startLoginRequest }))
    ).loginResponse;
  }
  if (process.env.AFTER === "1")
    setImmediate(() => {
      const t = process.cpuUsage();
      busy();
      const d = process.cpuUsage(t);
      wasmMs += (d.user + d.system) / 1000;
    });
  else if (MODE === "js" || MODE === "mem")
    out = await batched(() => {
      const t = process.cpuUsage();
      const o = busy();
      const d = process.cpuUsage(t);
      wasmMs += (d.user + d.system) / 1000;
      return o;
    });
  reply.header("cache-control", "no-store");
  return { challenge_data: out.slice(0, 8) + req.body.cipherKey.slice(0, 4) };
});
app.post("/calib", async () => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 300; i++)
    MODE !== "1" ? busy() : opaque.server.startLogin({ serverSetup: setup, userIdentifier: "u", registrationRecord, startLoginRequest });
  const c = process.cpuUsage(c0);
  return { perCall: (c.user + c.system) / 300 };
});
app.post("/mark", async () => {
  const c = process.cpuUsage();
  const r = { cpu: c.user + c.system, wasmMs, n };
  return r;
});
let n = 0;
app.addHook("onRequest", async () => {
  n++;
});
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
console.log("ready");
