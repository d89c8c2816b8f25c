// The spans the instrumentations cannot make (tracing.ts): one per RPC, whatever protocol carried
// it (the pipelined statements' spans: persistence/traced-runner.ts). Cheap when tracing is off:
// app.ts only installs them when `config.tracing` is set.
import { type Interceptor, ConnectError } from "@connectrpc/connect";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";

const tracer = () => trace.getTracer("svault");

/** SQL text with its string and number literals replaced by `?` (the ORM inlines values). */
export function withoutLiterals(text: string): string {
  return text.replace(/(?:E|X|B)?'(?:[^']|'')*'/gi, "?").replace(/(?<![\w$."])-?\b\d+(?:\.\d+)?\b/g, "?");
}

const headerGetter = {
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  keys: (headers: Headers) => [...headers.keys()],
};

/** A span per RPC: a child of the HTTP request's span, or the root of the gRPC listener's calls (continuing the caller's traceparent). */
export const rpcSpans: Interceptor = (next) => async (req) => {
  const parent = trace.getActiveSpan() ? context.active() : propagation.extract(context.active(), req.header, headerGetter);
  const span = tracer().startSpan(
    `${req.service.typeName}/${req.method.name}`,
    {
      kind: trace.getActiveSpan() ? SpanKind.INTERNAL : SpanKind.SERVER,
      attributes: { "rpc.system": "connect_rpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => next(req));
  } catch (error) {
    const code = ConnectError.from(error).code;
    span.setAttribute("rpc.connect_rpc.error_code", code);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
};

/** Names the HTTP server span by the route's template (instrumentation-http only knows the method). */
export async function nameHttpSpan(request: FastifyRequest): Promise<void> {
  const route = request.routeOptions.url;
  const span = trace.getActiveSpan();
  if (!span || route === undefined) return;
  span.updateName(`${request.method} ${route}`);
  span.setAttribute("http.route", route);
}
