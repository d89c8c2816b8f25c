// The load of bench/auth-cold-request: LOOPS keep-alive loops POSTing a login-shaped JSON body for
// MS ms after 2 s of warm-up; prints the server's CPU per request, the work's CPU per request, the
// work's cost back to back (calib) and the rest (CPU per request − calib): the request's own cost.
import http from "node:http";
const port = Number(process.env.PORT);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const post = (path, body) =>
  new Promise((res, rej) => {
    const r = http.request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (s) => {
        let t = "";
        s.on("data", (c) => (t += c));
        s.on("end", () => res(t));
      },
    );
    r.on("error", rej);
    r.end(body);
  });
const body = JSON.stringify({ username: "someone", cipherKey: `login:${"A".repeat(128)}` });
let stop = false;
async function loop() {
  while (!stop) await post("/api/v1/auth/challenge?tenant_id=bench", body);
}
const loops = Array.from({ length: Number(process.env.LOOPS ?? 4) }, loop);
await new Promise((r) => setTimeout(r, 2000));
const a = JSON.parse(await post("/mark", "{}"));
await new Promise((r) => setTimeout(r, Number(process.env.MS ?? 5000)));
const b = JSON.parse(await post("/mark", "{}"));
stop = true;
await Promise.all(loops);
const cal = process.env.WASM !== "0" ? JSON.parse(await post("/calib", "{}")).perCall : 0;
const reqs = b.n - a.n - 1,
  cpuUs = b.cpu - a.cpu,
  wasmUs = (b.wasmMs - a.wasmMs) * 1000;
console.log(
  JSON.stringify({
    reqs,
    cpuPerReq: +(cpuUs / reqs).toFixed(1),
    wasmPerReq: +(wasmUs / reqs).toFixed(1),
    calib: +cal.toFixed(1),
    restPerReq: +(cpuUs / reqs - cal).toFixed(1),
  }),
);
agent.destroy();
