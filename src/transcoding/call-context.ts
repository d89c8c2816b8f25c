// The HandlerContext of one REST call. It is what Connect's createHandlerContext builds for a call
// without a deadline (REST has no timeout header), built more cheaply: AbortSignals are costly to
// create on Node 20, and createHandlerContext makes two per call (a deadline signal that can never
// fire here, and one linking it to the shutdown signal), copies the request headers into a second
// `Headers`, and aborts without a reason, which constructs a DOMException with its stack trace.
// Here: one AbortController, aborted when the server shuts down or the answer has been written.
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { FastifyRequest } from "fastify";

export interface RestCallContext extends HandlerContext {
  /** Ends the call: aborts `signal` and detaches it from the shutdown signal. Call it once. */
  done(): void;
}

/** The reason `signal` is aborted with once the answer has been written. */
const ANSWERED = new ConnectError("the REST request has been answered", Code.Canceled);

const noTimeout = (): undefined => undefined;

export function restCallContext(
  service: DescService,
  method: DescMethodUnary,
  request: FastifyRequest,
  values: ContextValues,
  shutdownSignal: AbortSignal | undefined,
): RestCallContext {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdownSignal?.reason);
  if (shutdownSignal?.aborted) controller.abort(shutdownSignal.reason);
  else shutdownSignal?.addEventListener("abort", onShutdown);
  return {
    service,
    method,
    protocolName: "rest",
    requestMethod: request.method,
    url: request.url,
    signal: controller.signal,
    timeoutMs: noTimeout,
    requestHeader: headersOf(request),
    responseHeader: new Headers(),
    responseTrailer: new Headers(),
    values,
    done() {
      shutdownSignal?.removeEventListener("abort", onShutdown);
      controller.abort(ANSWERED);
    },
  };
}

function headersOf(request: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}
