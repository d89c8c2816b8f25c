// Instructions per call of the REST path above Node's HTTP — Fastify with the service's listener
// options and hooks, the REST gateway, the RPC spine with the service's interceptors, the answer's
// encoding — of a checkout DIR, without the database, the network or the rest of the server. It
// builds DIR's listener (src/operations/http-listener.ts) and REST gateway over two methods whose
// implementations answer at once as the real ones answer from memory: Get Jwks (GET, a kept
// answer with `Cache-Control: public`) and Get Challenge (POST with a JSON body, `no-store`), and
// calls one of them COUNT times with Fastify's `inject`. Run under callgrind for two counts, the
// difference of the totals over the difference of the counts is the instructions per call, start-
// up and compilation cancelled out; no timer, socket or database adds work that depends on the
// machine's load (bench/request-instructions.ts counts whole requests of the real server):
//
//   for n in 3000 9000; do
//     valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n node --no-concurrent-recompilation \
//       --import tsx bench/rest-path-instructions.ts DIR jwks|challenge $n [socket] 2>&1 | grep Collected; done
//
// With `socket`, the calls come over a real connection instead of `inject`: the listener listens on
// 127.0.0.1 and a client process of its own (not under valgrind, which does not follow children)
// sends the COUNT requests one after the other on one keep-alive connection, so Node's HTTP parser,
// Fastify's reading of the body stream and the socket writes are counted too, and light-my-request
// (inject's fake request and response) is not.
import type { HandlerContext } from "@connectrpc/connect";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";

const [dir, endpoint, countArg, transport = "inject"] = process.argv.slice(2);
if (!dir || (endpoint !== "jwks" && endpoint !== "challenge") || (transport !== "inject" && transport !== "socket")) {
  throw new Error("usage: rest-path-instructions.ts DIR jwks|challenge COUNT [socket]");
}
const count = Number(countArg);
/** The socket client: COUNT requests, each sent when the previous answer (a 200 with a length) is whole. */
const SOCKET_CLIENT = `
const net = require("node:net");
const [port, count, raw] = process.argv.slice(1);
let left = Number(count), buffered = "";
const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(raw));
socket.setEncoding("latin1");
socket.on("data", (chunk) => {
  buffered += chunk;
  const end = buffered.indexOf("\\r\\n\\r\\n");
  if (end < 0) return;
  if (!buffered.startsWith("HTTP/1.1 200")) { console.error(buffered); process.exit(1); }
  const length = Number(/content-length: (\\d+)/i.exec(buffered.slice(0, end))[1]);
  if (buffered.length < end + 4 + length) return;
  buffered = buffered.slice(end + 4 + length);
  if (--left === 0) socket.end(); else socket.write(raw);
});
`;
const from = (path: string) => import(`${dir}/${path}`);
// DIR's own packages (its node_modules): Fastify checks its options with its own classes.
const requireFromDir = createRequire(`${dir}/package.json`);
const fastify = requireFromDir("fastify") as typeof import("fastify").default;
const { create } = requireFromDir("@bufbuild/protobuf") as typeof import("@bufbuild/protobuf");

const { OidcService, GetJwksResponseSchema } = await from("gen/svault/oidc/v1/oidc_service_pb.js");
const { AuthService, GetChallengeResponseSchema } = await from("gen/svault/auth/v1/auth_service_pb.js");
const { accounting, answerHeaders, httpListenerOptions, securityHeaders } = await from("src/operations/http-listener.ts");
const { ServiceMetrics } = await from("src/operations/metrics.ts");
const { restGateway } = await from("src/transcoding/rest-gateway.ts");
const { errorBoundary } = await from("src/rpc/interceptors/error-boundary.ts");
const { database } = await from("src/rpc/interceptors/database.ts");
const { authorization } = await from("src/rpc/interceptors/authorization.ts");
const { validation } = await from("src/rpc/interceptors/validation.ts");
const { keptBinaryAnswers } = await from("src/rpc/kept-answers.ts");
const { noStore } = await from("src/rpc/http-response.ts");
const { createLogger } = await from("src/logging/logger.ts");

const jwks = create(GetJwksResponseSchema, {
  keys: [{ kty: "OKP", crv: "Ed25519", kid: "k1", use: "sig", alg: "EdDSA", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" }],
});
const challenge = create(GetChallengeResponseSchema, { challengeData: "x".repeat(600), protoVersion: "light" });
const registrations = [
  {
    service: OidcService,
    impl: {
      async getJwks(_request: unknown, ctx: HandlerContext) {
        ctx.responseHeader.set("cache-control", "public, max-age=300");
        return jwks;
      },
    },
  },
  {
    service: AuthService,
    impl: {
      async getChallenge(_request: unknown, ctx: HandlerContext) {
        noStore(ctx);
        return challenge;
      },
    },
  },
];
const logger = createLogger("warn");
// Read only when /metrics is scraped, or a handler asks for a fork: neither happens here.
const unused = {} as never;
const metrics = new ServiceMetrics(unused);
const interceptors = [
  metrics.interceptor,
  errorBoundary(logger),
  database({ em: unused }),
  authorization(unused, registrations),
  validation,
  keptBinaryAnswers,
];
const everyAnswer = securityHeaders("http://127.0.0.1");
const app = fastify(httpListenerOptions({ trustProxyHops: 0 }, logger, everyAnswer));
app.addHook("onRequest", answerHeaders(everyAnswer));
app.addHook("onResponse", accounting(metrics));
await app.register(restGateway, { registrations, interceptors });
await app.ready();

const body = JSON.stringify({ username: "bench-user-001", cipherKey: `login:${"A".repeat(120)}` });
const request =
  endpoint === "jwks"
    ? { method: "GET" as const, url: "/t1/.well-known/jwks.json" }
    : {
        method: "POST" as const,
        url: "/api/v1/auth/challenge?tenant_id=t1",
        headers: { "content-type": "application/json" },
        payload: body,
      };
if (transport === "socket") {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const head =
    endpoint === "jwks"
      ? `GET ${request.url} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`
      : `POST ${request.url} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const raw = endpoint === "jwks" ? head : head + body;
  await new Promise<void>((resolve, reject) => {
    const client = spawn(process.execPath, ["-e", SOCKET_CLIENT, String(port), String(count), raw], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    client.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`))));
  });
  await app.close();
  process.exit(0);
}
let cpu = process.cpuUsage();
for (let i = 0; i < count; i++) {
  // The second half's CPU time per call on stderr (a rough figure: it follows the machine's load).
  if (i === count >> 1) cpu = process.cpuUsage();
  const answer = await app.inject(request);
  if (answer.statusCode !== 200) throw new Error(`${answer.statusCode} ${answer.body}`);
}
const used = process.cpuUsage(cpu);
process.stderr.write(`cpu µs per call, second half: ${((used.user + used.system) / (count - (count >> 1))).toFixed(2)}\n`);
await app.close();
process.exit(0);
