// Builds the whole service from configuration and its dependencies, without listening, so that
// tests can start it on ephemeral ports. Two listeners serve the same handlers:
//   PORT       HTTP/1.1 — REST (transcoded), Connect, gRPC-Web, and the browser pages;
//   GRPC_PORT  HTTP/2 (h2c, or TLS when configured) — gRPC, plus Connect and gRPC-Web.
// (Plain-text HTTP/2 cannot share a port with HTTP/1.1 in Node without sniffing the first bytes;
// two listeners keep each stack standard.)
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import fastify, { LogController, type FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { Config } from "./config/config.js";
import type { Logger } from "./logging/logger.js";
import { loggablePath } from "./logging/logger.js";
import type { Database } from "./persistence/database.js";
import { requestContextValues } from "./rpc/context.js";
import type { Authenticator } from "./domain/auth/authenticator.js";
import { authorization } from "./rpc/interceptors/authorization.js";
import { database as databaseInterceptor } from "./rpc/interceptors/database.js";
import { errorBoundary } from "./rpc/interceptors/error-boundary.js";
import { validation } from "./rpc/interceptors/validation.js";
import { connectRoutes, type ServiceRegistration } from "./rpc/registry.js";
import { restGateway } from "./transcoding/rest-gateway.js";

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly authenticator: Authenticator;
  readonly registrations: readonly ServiceRegistration[];
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

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, logger, database, registrations } = deps;
  const shutdown = new AbortController();
  // Every in-flight Connect and gRPC call listens to it until it ends: more than ten is normal.
  setMaxListeners(0, shutdown.signal);
  // Outermost first: every failure passes the error boundary; authorization runs before
  // validation so that an unauthenticated caller learns nothing about the request's shape.
  const interceptors: Interceptor[] = [
    errorBoundary(logger),
    databaseInterceptor(database.orm),
    authorization(deps.authenticator),
    validation,
  ];
  const routes = connectRoutes(registrations);

  const app = fastify({
    loggerInstance: logger,
    genReqId: (req) => requestIdOf(req.headers["x-request-id"]),
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Fastify's own request logs include the query string, which may carry codes and tokens:
    // the onResponse hook below logs the path only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Path variables may be as long as their fields allow (a client_id of 128 characters, a
    // percent-encoded username of 128 characters); the router's default of 100 answered 414.
    routerOptions: { maxParamLength: 2048 },
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      { method: request.method, path: loggablePath(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      "request",
    );
  });

  await app.register(fastifyConnectPlugin, {
    routes,
    interceptors,
    shutdownSignal: shutdown.signal,
    contextValues: (request) => requestContextValues({ requestId: request.id, clientAddress: request.ip, logger: request.log }),
  });
  await app.register(restGateway, { registrations, interceptors, shutdownSignal: shutdown.signal });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);

  const grpcHandler = connectNodeAdapter({
    routes,
    interceptors,
    shutdownSignal: shutdown.signal,
    contextValues: (request) => {
      const requestId = requestIdOf(request.headers["x-request-id"]);
      return requestContextValues({
        requestId,
        clientAddress: request.socket.remoteAddress ?? "",
        logger: logger.child({ reqId: requestId }),
      });
    },
  });
  const grpc = config.grpcTls
    ? http2.createSecureServer(
        { cert: readFileSync(config.grpcTls.certFile), key: readFileSync(config.grpcTls.keyFile), allowHTTP1: true },
        grpcHandler,
      )
    : http2.createServer(grpcHandler);
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
      await Promise.all([app.close(), grpcClosed]);
      shutdown.abort();
    },
  };
}
