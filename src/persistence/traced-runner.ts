// OpenTelemetry spans for the pipelined statements (operations/tracing.ts), which never pass
// node-pg's query, where the pg instrumentation makes the others'. database.ts wraps the pipelines
// in it only when tracing is on. The span records the prepared text, whose values are parameters.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { StatementRunner } from "./plain-sql.js";

/** A span per statement of a runner that does not go through node-pg's query (the pipelines). */
export function tracedRunner(runner: StatementRunner): StatementRunner {
  return {
    run(statement) {
      if (!trace.getActiveSpan()) return runner.run(statement);
      return trace.getTracer("svault").startActiveSpan(
        `${statement.text.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? "SQL"} (pipelined)`,
        {
          kind: SpanKind.CLIENT,
          attributes: { "db.system.name": "postgresql", "db.query.text": statement.text, "db.postgresql.plan": statement.name },
        },
        async (span) => {
          try {
            return await runner.run(statement);
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
    ...(runner.state ? { state: () => runner.state?.() ?? { connections: 0, inFlight: 0 } } : {}),
    close: () => runner.close(),
  };
}
