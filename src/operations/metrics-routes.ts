// Where GET /metrics is served, never in the open:
//   METRICS_PORT   a listener of its own (on HOST), for a scraper on a network the public never
//                  reaches; with METRICS_TOKEN it also requires the token there;
//   METRICS_TOKEN  alone: /metrics on PORT, answered only with `Authorization: Bearer <token>`.
// Neither: /metrics is not served (404), the metrics are still kept.
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ServiceMetrics } from "./metrics.js";

type Answer = { status: number; headers: Record<string, string>; body: string };

async function answer(metrics: ServiceMetrics, token: string | undefined, authorization: string | undefined): Promise<Answer> {
  if (token !== undefined && !bearerMatches(authorization, token)) {
    return {
      status: 401,
      headers: { "content-type": "application/json", "www-authenticate": 'Bearer realm="metrics"' },
      body: JSON.stringify({ detail: "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>" }),
    };
  }
  const { contentType, body } = await metrics.render();
  return { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" }, body };
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics on the main listener, behind the token. */
export function metricsRoute(metrics: ServiceMetrics, token: string): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.get("/metrics", async (request, reply) => {
      const { status, headers, body } = await answer(metrics, token, request.headers.authorization);
      return reply.code(status).headers(headers).send(body);
    });
  };
}

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/** A listener of its own that answers GET /metrics and 404 to anything else. */
export async function startMetricsListener(
  metrics: ServiceMetrics,
  host: string,
  port: number,
  token: string | undefined,
): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Not Found" }));
      return;
    }
    answer(metrics, token, request.headers.authorization).then(
      ({ status, headers, body }) => response.writeHead(status, headers).end(body),
      () => response.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ detail: "metrics failed" })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
