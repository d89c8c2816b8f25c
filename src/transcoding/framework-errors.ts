// Fastify's and Node's own refusals, made before (or without) an RPC: no route, a malformed or too
// long URL, a body that is not JSON, too large or of a media type no parser takes, a request Node
// cannot parse. They answer in the API's error shape — a REST route's own family (the gateway
// renders them with the route's renderer), or the reference's `{"detail": …}` where no route
// matched — and never echo the URL or the body back.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { Code } from "@connectrpc/connect";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { asDomainError } from "../rpc/interceptors/error-boundary.js";
import { type ErrorRenderer, type RenderedError, renderDetailError, type RestError } from "./error-renderers.js";

/** `error` (thrown by Fastify while it read the request) rendered by `renderer`. */
export function renderFastifyError(renderer: ErrorRenderer, error: FastifyError): RenderedError {
  const status = error.statusCode ?? 500;
  const invalidJson = error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError;
  const rendered = renderer(
    invalidJson
      ? refusal(Code.InvalidArgument, "JSON decode error", [{ path: ["body"], message: "JSON decode error", type: "json_invalid" }])
      : refusal(codeOfHttpStatus(status), status >= 500 ? "Internal Server Error" : error.message),
  );
  // Keep Fastify's precise 4xx (413, 415) where the code table would say 400 (or 429 for 413).
  const precise = status >= 400 && status < 500 && rendered.status !== 422 ? status : rendered.status;
  return { ...rendered, status: precise };
}

/** A request Fastify refused: all of them are malformed requests to OAuth (RFC 6749 §5.2). */
function refusal(code: Code, message: string, violations: RestError["violations"] = []): RestError {
  return { code, message, violations, oauthError: "invalid_request", scimType: undefined };
}

function codeOfHttpStatus(status: number): Code {
  if (status === 400 || status === 414 || status === 415 || status === 422) return Code.InvalidArgument;
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 404) return Code.NotFound;
  if (status === 413 || status === 429) return Code.ResourceExhausted;
  return Code.Internal;
}

export function sendRendered(reply: FastifyReply, rendered: RenderedError): FastifyReply {
  for (const [name, value] of Object.entries(rendered.headers)) reply.header(name, value);
  return reply.code(rendered.status).type(rendered.contentType).send(JSON.stringify(rendered.body));
}

/**
 * Fastify's error handler for routes that answer in `rendererOf(request)`'s shape: Fastify's own
 * refusals, and what a hook threw (a CORS origin check while the database is down: 503).
 */
export function fastifyErrorHandler(rendererOf: (request: FastifyRequest) => ErrorRenderer) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const domain = asDomainError(error);
    if (domain) {
      if (domain.reason === "DATABASE_UNAVAILABLE") request.log.warn({ err: error }, "the database is unavailable");
      if (domain.retryAfterSeconds) reply.header("retry-after", String(domain.retryAfterSeconds));
      return sendRendered(reply, rendererOf(request)(domain));
    }
    if ((error.statusCode ?? 500) >= 500) request.log.error({ err: error }, "request failed");
    return sendRendered(reply, renderFastifyError(rendererOf(request), error));
  };
}

/** No route for the method and path: `404 {"detail": "Not Found"}`, as FastAPI answers. */
export function answerNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendRendered(reply, renderDetailError(refusal(Code.NotFound, "Not Found")));
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot read (bad percent-encoding), or a path
 * parameter longer than the router allows. No hook runs for these, so `headers` (the ones every
 * answer carries) are set here.
 */
export function frameworkErrors(headers: Readonly<Record<string, string>>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    reply.headers(headers).header("x-request-id", request.id);
    if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
      return sendRendered(reply, { ...renderDetailError(refusal(Code.InvalidArgument, "URI Too Long")), status: 414 });
    }
    if (error.code === "FST_ERR_BAD_URL") return sendRendered(reply, renderDetailError(refusal(Code.InvalidArgument, "Malformed URL")));
    request.log.error({ err: error }, "request failed");
    return sendRendered(reply, renderDetailError(refusal(Code.Internal, "Internal Server Error")));
  };
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request (headers too large, a broken
 * request line) or timed out reading it. The answer is written on the socket, which is then closed.
 */
export function clientErrorHandler(headers: Readonly<Record<string, string>>) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has nobody to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const body = JSON.stringify({ detail: STATUS_CODES[status] });
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      "content-type: application/json",
      `content-length: ${Buffer.byteLength(body)}`,
      "connection: close",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    if (socket.writable) socket.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
    socket.destroy(error);
  };
}
