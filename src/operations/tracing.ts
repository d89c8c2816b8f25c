// OpenTelemetry traces, exported over OTLP/HTTP, only when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. main.ts imports this module, and with it the SDK,
// only then, and before the server's modules: the instrumentations patch `http` and `pg` as
// Fastify and knex load them. Off, the process loads none of it and the hot paths only test a
// boolean (trace-spans.ts).
//
// One trace per request: the HTTP server span (instrumentation-http, named by the Fastify route
// template), the RPC span under it (trace-spans.ts; the root on the gRPC listener, which is
// node:http2 under Connect, continuing a caller's `traceparent`), and under that a span for every
// SQL statement — the ORM's through instrumentation-pg, the pipelined ones (which never call
// node-pg's query) from trace-spans.ts. Statement texts are recorded with their literals replaced
// by `?`: the ORM inlines values, which may be personal data.
//
// The exporter, batch processor and resource follow the standard OTEL_* variables
// (OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*).
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { defaultResource, envDetector, detectResources, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Logger } from "../logging/logger.js";
import { withoutLiterals } from "./trace-spans.js";

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes would be most of the traces. */
const UNTRACED_PATHS = new Set(["/health", "/health/live", "/health/ready", "/metrics"]);

export function startTracing(version: string, logger: Logger): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": "svault", "service.version": version }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? "").split("?")[0] ?? ""),
        // The service's own outgoing calls (back-channel logout, …) are traced when a request makes them.
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({
        // Housekeeping's statements would each be a trace of their own.
        requireParentSpan: true,
        requestHook: (span, { query }) => span.setAttribute("db.query.text", withoutLiterals(query.text)),
      }),
    ],
  });
  logger.info("tracing: exporting spans over OTLP/HTTP");
  return {
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => logger.warn({ err: error }, "tracing: the last spans could not be exported"));
    },
  };
}
