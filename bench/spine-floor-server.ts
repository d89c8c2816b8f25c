// One rung of the spine-floor ladder (bench/spine-floor.ts), in its own process: answers
// `GET /{tenant}/.well-known/jwks.json` with the bytes and headers svault answered it with (the
// launcher passes them), built from svault's own parts up to the rung:
//
//   node-http          node:http alone: the same status, headers (a request id each) and body
//   fastify            Fastify with the listener's options (src/operations/http-listener.ts:
//                      the logger, request ids, proxy trust, limits, error shapes) and one route
//   fastify+headers    + the onRequest hook of every answer (request id, security headers)
//   fastify+accounting + the onResponse hook (metrics, access log)
//   fastify+cors       + the route in the CORS scope of the OIDC documents (src/transcoding/cors.ts)
//
// (The rungs above these — all of svault's routes and hooks with a plain route, and svault
// itself — are the real server, bench/auth-bench-server.ts.)
//
//   node --import tsx bench/spine-floor-server.ts RUNG '{"body":…,"headers":{…}}'
//
// Prints `{"port":…}` on stdout once listening; SIGTERM closes it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { OidcService } from "../gen/svault/oidc/v1/oidc_service_pb.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logging/logger.js";
import { accounting, answerHeaders, httpListenerOptions, requestIdOf, securityHeaders } from "../src/operations/http-listener.js";
import { ServiceMetrics } from "../src/operations/metrics.js";
import type { Database } from "../src/persistence/database.js";
import type { HttpBinding } from "../src/transcoding/binding.js";
import { corsRoutes } from "../src/transcoding/cors.js";
import { collectBindings } from "../src/transcoding/rest-gateway.js";

const RUNGS = ["node-http", "fastify", "fastify+headers", "fastify+accounting", "fastify+cors"] as const;
type Rung = (typeof RUNGS)[number];

/** The answer every rung gives: svault's, as the launcher read it (no Date, length or request id). */
interface Answer {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** svault's REST binding of GetJwks, `/{tenant_id}/.well-known/jwks.json`: the route of every Fastify rung. */
const binding = jwksBinding();

async function main(): Promise<void> {
  const rung = process.argv[2] as Rung;
  if (!RUNGS.includes(rung)) throw new Error(`usage: spine-floor-server.ts ${RUNGS.join("|")} '<answer JSON>'`);
  const answer = JSON.parse(process.argv[3] ?? "") as Answer;
  const body = Buffer.from(answer.body);
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", SVAULT_ENV: "bench" });
  const everyAnswer = securityHeaders(config.publicUrl);

  if (rung === "node-http") {
    const headers = { ...answer.headers, ...everyAnswer, "content-length": String(body.length) };
    const server = http.createServer((req, res) => {
      res.writeHead(200, { ...headers, "x-request-id": requestIdOf(req.headers["x-request-id"]) });
      res.end(body);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    listening((server.address() as AddressInfo).port, () => server.close());
    return;
  }

  const app = fastify(httpListenerOptions(config, createLogger(config.logLevel, process.stderr), everyAnswer));
  const withHeaders = rung !== "fastify";
  if (withHeaders) app.addHook("onRequest", answerHeaders(everyAnswer));
  // The metrics' gauges read the database only when /metrics is scraped, which no rung serves.
  if (rung === "fastify+accounting" || rung === "fastify+cors") app.addHook("onResponse", accounting(new ServiceMetrics({} as Database)));
  const route: RouteOptions = {
    method: "GET",
    url: binding.route,
    handler: (_request, reply) => {
      if (!withHeaders) reply.headers(everyAnswer);
      reply.headers(answer.headers).send(body);
    },
  };
  if (rung === "fastify+cors") await app.register(corsScope(route));
  else app.route(route);
  await app.listen({ port: 0, host: "127.0.0.1" });
  listening((app.server.address() as AddressInfo).port, () => void app.close());
}

/** The route in the CORS scope svault puts its OIDC documents in, with their policy (any origin). */
function corsScope(route: RouteOptions): (scope: FastifyInstance) => Promise<void> {
  return corsRoutes([{ route, binding, policy: { origins: "*" } }]);
}

function jwksBinding(): HttpBinding {
  const found = collectBindings([{ service: OidcService, impl: {} }]).find((b) => b.method === OidcService.method.getJwks);
  if (!found) throw new Error("no REST binding of GetJwks");
  return found;
}

function listening(port: number, close: () => void): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const stop = () => {
    close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

await main();
