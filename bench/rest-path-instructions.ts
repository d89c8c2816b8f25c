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
//       --import tsx bench/rest-path-instructions.ts DIR jwks|challenge $n 2>&1 | grep Collected; done
import type { HandlerContext } from "@connectrpc/connect";
import { createRequire } from "node:module";

const [dir, endpoint, countArg] = process.argv.slice(2);
if (!dir || (endpoint !== "jwks" && endpoint !== "challenge")) throw new Error("usage: rest-path-instructions.ts DIR jwks|challenge COUNT");
const count = Number(countArg);
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
