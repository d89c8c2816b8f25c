// What the HTTP/1.1 listener does for every request, whatever route answers it: Fastify's options
// (request ids, proxies, limits, the API's error shapes for Fastify's own refusals) and the two
// global hooks — the headers of every answer, and the accounting of every answer (metrics, access
// log). app.ts builds the listener from these; bench/spine-floor.ts builds the rungs of its ladder
// from the same parts, one by one, to measure what each costs per request.
import { randomUUID } from "node:crypto";
import { LogController, type FastifyServerOptions, type onRequestHookHandler, type onResponseHookHandler } from "fastify";
import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import { logRequest } from "../logging/request-log.js";
import { clientErrorHandler, frameworkErrors } from "../transcoding/framework-errors.js";
import type { ServiceMetrics } from "./metrics.js";
import { lazyRequestLoggers } from "./request-logger.js";
import { schemaCompilersOnDemand } from "./schema-compilers-on-demand.js";

/**
 * The largest request any surface reads: a REST body, a Connect or gRPC message (after
 * decompression). The largest legitimate request, a Batch Create User of 1000 users, is a few
 * hundred kilobytes. A larger one is refused before it is buffered: REST 413, Connect, gRPC-Web and
 * gRPC `resource_exhausted`; when it declares its size (Content-Length, or the length prefix of a
 * gRPC message) without reading it at all.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is a sane one (a proxy's), else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Headers of every answer on both listeners: browsers must not guess a type other than the one
 * declared (an API answer rendered as HTML), and under an https PUBLIC_URL must keep to https for
 * a year (not under http, where the header would be ignored and only confuse a development setup).
 */
export function securityHeaders(publicUrl: string): Readonly<Record<string, string>> {
  return {
    "x-content-type-options": "nosniff",
    ...(publicUrl.startsWith("https:") ? { "strict-transport-security": "max-age=31536000" } : {}),
  };
}

/** Fastify's options for the HTTP/1.1 listener; `everyAnswer` goes on its own refusals too. */
export function httpListenerOptions(config: Config, logger: Logger, everyAnswer: Readonly<Record<string, string>>): FastifyServerOptions {
  return {
    loggerInstance: logger,
    // A request's logger (with its reqId) is made when the request first writes a line (request-logger.ts).
    childLoggerFactory: lazyRequestLoggers,
    genReqId: (req) => requestIdOf(req.headers["x-request-id"]),
    // The client is the address TRUST_PROXY_HOPS proxies before ours. Without proxies, `false`
    // rather than a function that trusts no hop: the same addresses, hosts and protocols, read
    // from the socket without parsing X-Forwarded-For on every request.
    trustProxy: config.trustProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustProxyHops : false,
    // Fastify's own request logs include the query string, which may carry codes and tokens:
    // the onResponse hook (accounting) logs the path only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_REQUEST_BYTES,
    // Path variables may be as long as their fields allow (a client_id of 128 characters, a
    // percent-encoded username of 128 characters); the router's default of 100 answered 414.
    routerOptions: { maxParamLength: 2048 },
    // Fastify's own refusals in the API's error shape (framework-errors.ts).
    frameworkErrors: frameworkErrors(everyAnswer),
    clientErrorHandler: clientErrorHandler(everyAnswer),
    // Loaded for the first route with a schema, not at start (schema-compilers-on-demand.ts).
    schemaController: { compilersFactory: schemaCompilersOnDemand },
  };
}

/** onRequest: the request id and `everyAnswer` on every answer. */
export function answerHeaders(everyAnswer: Readonly<Record<string, string>>): onRequestHookHandler {
  const headers = Object.entries(everyAnswer);
  // Not async: an async hook is a promise and a step more per request.
  return (request, reply, done) => {
    reply.header("x-request-id", request.id);
    for (const [name, value] of headers) reply.header(name, value);
    done();
  };
}

/** onResponse: every answer counted (GET /metrics) and logged (the path only). */
export function accounting(metrics: ServiceMetrics): onResponseHookHandler {
  // One hook, not async, for both: each hook is a step of Fastify's per request, and an async one a promise.
  return (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    logRequest(request, reply);
    done();
  };
}
