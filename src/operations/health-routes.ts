// `GET /health/live` and `GET /health/ready` (readiness.ts): the probes of Kubernetes, of a load
// balancer and of the container's HEALTHCHECK. Plain routes, not RPCs: they are operations'
// endpoints of this deployment, not part of the API.
import type { FastifyInstance } from "fastify";
import type { Readiness } from "./readiness.js";

export function healthRoutes(readiness: Readiness): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.get("/health/live", async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return { status: "ok" };
    });
    app.get("/health/ready", async (_request, reply) => {
      const report = await readiness.check();
      reply.header("cache-control", "no-store").code(report.ready ? 200 : 503);
      return { status: report.ready ? "ok" : "unavailable", checks: report.checks };
    });
  };
}
