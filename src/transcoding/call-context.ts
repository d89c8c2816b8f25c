// The HandlerContext of one REST call. It is what Connect's createHandlerContext builds for a call
// without a deadline (REST has no timeout header), built more cheaply: AbortSignals are costly to
// create on Node 20 (docs/performance.md), and createHandlerContext makes two per call (a deadline
// signal that can never fire here, and one linking it to the shutdown signal), copies the request
// headers into a second `Headers`, and aborts without a reason, which constructs a DOMException.
// Here: no signal of its own — the call's signal is the server's shutdown signal. REST calls are
// unary and no handler uses its signal after returning, so aborting one per call when the answer
// is written bought nothing but ≈ 25 µs per request. The request headers are read from Node's
// parsed headers, not copied (src/rpc/request-headers.ts); the response's headers and trailers are made
// when a handler writes one (src/rpc/response-headers.ts).
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import type { ContextValues, HandlerContext } from "@connectrpc/connect";
import type { FastifyRequest } from "fastify";
import { ResponseHeaders } from "../rpc/response-headers.js";
import { RequestHeaders } from "../rpc/request-headers.js";

/** The signal of calls on a server without a shutdown signal (tests): never aborted. */
const NEVER_ABORTED = new AbortController().signal;

const noTimeout = (): undefined => undefined;

export function restCallContext(
  service: DescService,
  method: DescMethodUnary,
  request: FastifyRequest,
  values: ContextValues,
  shutdownSignal: AbortSignal | undefined,
): HandlerContext {
  return {
    service,
    method,
    protocolName: "rest",
    requestMethod: request.method,
    url: request.url,
    signal: shutdownSignal ?? NEVER_ABORTED,
    timeoutMs: noTimeout,
    requestHeader: RequestHeaders.of(request.headers),
    responseHeader: ResponseHeaders.of(),
    responseTrailer: ResponseHeaders.of(),
    values,
  };
}
