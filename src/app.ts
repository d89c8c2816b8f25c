// Builds the whole service from configuration and its dependencies, without listening, so that
// tests can start it on ephemeral ports. Two listeners serve the same handlers:
//   PORT       HTTP/1.1 — REST (transcoded), Connect, gRPC-Web, and the browser pages;
//   GRPC_PORT  HTTP/2 (h2c, or TLS when configured) — gRPC, plus Connect and gRPC-Web.
// (Plain-text HTTP/2 cannot share a port with HTTP/1.1 in Node without sniffing the first bytes;
// two listeners keep each stack standard.)
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { Interceptor } from "@connectrpc/connect";
import fastify, { type FastifyInstance } from "fastify";
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { Config } from "./config/config.js";
import type { Logger } from "./logging/logger.js";
import type { Database } from "./persistence/database.js";
import { oidcCorsPolicies } from "./api/oidc/oidc-cors.js";
import type { ClientOrigins } from "./domain/clients/client-origins.js";
import { clientAddressOf } from "./rpc/client-address.js";
import { requestContextValues } from "./rpc/context.js";
import type { Authenticator } from "./domain/auth/authenticator.js";
import { authorization } from "./rpc/interceptors/authorization.js";
import { database as databaseInterceptor } from "./rpc/interceptors/database.js";
import { errorBoundary } from "./rpc/interceptors/error-boundary.js";
import { validation } from "./rpc/interceptors/validation.js";
import { grpcListener } from "./rpc/grpc-listener.js";
import { keptBinaryAnswers } from "./rpc/kept-answers.js";
import { answeringRefusals, httpRequestKey, RefusedStreams } from "./rpc/refused-requests.js";
import { connectRoutes, type ServiceRegistration } from "./rpc/registry.js";
import { renderDetailError } from "./transcoding/error-renderers.js";
import { answerNotFound, fastifyErrorHandler } from "./transcoding/framework-errors.js";
import { restGateway } from "./transcoding/rest-gateway.js";
import type { ServiceMetrics } from "./operations/metrics.js";
import { nameHttpSpan, rpcSpans } from "./operations/trace-spans.js";
import {
  accounting,
  answerHeaders,
  httpListenerOptions,
  MAX_REQUEST_BYTES,
  requestIdOf,
  securityHeaders,
} from "./operations/http-listener.js";
import { RequestLogger } from "./operations/request-logger.js";

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly authenticator: Authenticator;
  readonly registrations: readonly ServiceRegistration[];
  /** The tenants' client origins, which the CORS of the OIDC endpoints allows (client-origins.ts). */
  readonly clientOrigins: ClientOrigins;
  /** Counts every HTTP answer and RPC (GET /metrics). */
  readonly metrics: ServiceMetrics;
  /** Extra HTTP routes (pages, documents) registered beside the RPC surfaces. */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

export interface App {
  readonly http: FastifyInstance;
  readonly grpc: http2.Http2Server;
  /** Listens on the configured ports (0 = ephemeral); returns the bound ports. */
  listen(): Promise<{ port: number; grpcPort: number }>;
  /** Stops accepting and lets in-flight requests finish (the database stays open). */
  close(): Promise<void>;
}

/** Where the tests look for it (its home is operations/http-listener.ts). */
export { MAX_REQUEST_BYTES };

/**
 * HTTP/2 limits of the gRPC listener. Every stream may hold up to MAX_REQUEST_BYTES while its
 * message arrives, so streams per connection are bounded (Node's default is 2³² − 1); headers are
 * bounded as on the HTTP/1.1 listener (Node's default there is 16 KiB).
 */
const HTTP2_OPTIONS = {
  settings: { maxConcurrentStreams: 100, maxHeaderListSize: 16 * 1024 },
  maxSessionMemory: 10,
} satisfies http2.ServerOptions;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, logger, database, registrations } = deps;
  const shutdown = new AbortController();
  // Every in-flight Connect and gRPC call listens to it until it ends: more than ten is normal.
  setMaxListeners(0, shutdown.signal);
  // Outermost first: every failure passes the error boundary; authorization runs before
  // validation so that an unauthenticated caller learns nothing about the request's shape.
  // Metrics outermost: they see each call's final code, after the error boundary's translation.
  const interceptors: Interceptor[] = [
    deps.metrics.interceptor,
    ...(config.tracing ? [rpcSpans] : []),
    errorBoundary(logger),
    databaseInterceptor(database.orm),
    authorization(deps.authenticator, registrations),
    validation,
    // Innermost: it swaps a kept answer for its written-once binary encoding (kept-answers.ts).
    keptBinaryAnswers,
  ];
  const routes = answeringRefusals(connectRoutes(registrations));
  const everyAnswer = securityHeaders(config.publicUrl);

  const app = fastify(httpListenerOptions(config, logger, everyAnswer));
  app.addHook("onRequest", answerHeaders(everyAnswer));
  if (config.tracing) app.addHook("onRequest", nameHttpSpan);
  app.setNotFoundHandler(answerNotFound);
  // Routes outside the REST gateway (pages, documents) and hooks; the gateway has its own.
  app.setErrorHandler(fastifyErrorHandler(() => renderDetailError));
  app.addHook("onResponse", accounting(deps.metrics));

  await app.register(fastifyConnectPlugin, {
    routes,
    interceptors,
    readMaxBytes: MAX_REQUEST_BYTES,
    shutdownSignal: shutdown.signal,
    contextValues: (request) =>
      requestContextValues({ requestId: request.id, clientAddress: request.ip, logger: request.log }).set(httpRequestKey, request.raw),
  });
  await app.register(restGateway, {
    registrations,
    interceptors,
    shutdownSignal: shutdown.signal,
    corsPolicyOf: oidcCorsPolicies(deps.clientOrigins),
  });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);

  const grpcHandler = grpcListener({
    routes,
    registrations,
    interceptors,
    readMaxBytes: MAX_REQUEST_BYTES,
    shutdownSignal: shutdown.signal,
    contextValues: (request) => {
      const requestId = requestIdOf(request.headers["x-request-id"]);
      return requestContextValues({
        requestId,
        clientAddress: clientAddressOf(request.socket.remoteAddress ?? "", request.headers["x-forwarded-for"], config.trustProxyHops),
        // Made on the call's first log line at an enabled level, as for REST requests (request-logger.ts).
        logger: new RequestLogger(logger, { reqId: requestId }, {}),
      }).set(httpRequestKey, request);
    },
  });
  const refusedStreams = new RefusedStreams();
  const answerGrpc = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
    for (const [name, value] of Object.entries(everyAnswer)) response.setHeader(name, value);
    refusedStreams.watch(request);
    grpcHandler(request, response);
  };
  const grpc = config.grpcTls
    ? http2.createSecureServer(
        { ...HTTP2_OPTIONS, cert: readFileSync(config.grpcTls.certFile), key: readFileSync(config.grpcTls.keyFile), allowHTTP1: true },
        answerGrpc,
      )
    : http2.createServer(HTTP2_OPTIONS, answerGrpc);
  const sessions = new Set<http2.ServerHttp2Session>();
  grpc.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  return {
    http: app,
    grpc,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      await new Promise<void>((resolve, reject) => {
        grpc.once("error", reject);
        grpc.listen(config.grpcPort, config.host, () => resolve());
      });
      const port = (app.server.address() as AddressInfo).port;
      const grpcPort = (grpc.address() as AddressInfo).port;
      logger.info({ port, grpcPort, publicUrl: config.publicUrl }, "listening");
      return { port, grpcPort };
    },
    async close() {
      // GOAWAY lets each HTTP/2 client finish its streams and stop opening new ones.
      const grpcClosed = grpc.listening ? new Promise<void>((resolve) => grpc.close(() => resolve())) : Promise.resolve();
      for (const session of sessions) session.close();
      refusedStreams.close();
      await Promise.all([app.close(), grpcClosed]);
      shutdown.abort();
    },
  };
}
