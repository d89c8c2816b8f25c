// OpenTelemetry traces (src/operations/tracing.ts), switched on by OTEL_EXPORTER_OTLP_ENDPOINT
// alone, received by a tiny OTLP/HTTP collector in this test: the real service as a child
// process, one trace from the REST request through the RPC to each SQL statement, pipelined
// statements included, and a gRPC call continuing its caller's traceparent.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { tempDir } from "../support/temp-dir.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { freePort } from "../support/test-server.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number };
}

const SPAN_KIND_SERVER = 2;
const STATUS_ERROR = 2;

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
};

describe("traces over OTLP/HTTP", () => {
  const spans: ExportedSpan[] = [];
  const resources: string[] = [];
  let collector: http.Server;
  let db: TestDatabase;
  let service: ServerProcess;
  let baseUrl: string;
  let grpcPort: number;
  const adminKey = issueApiKey().key;
  const tenantId = `traced-${randomBytes(3).toString("hex")}`;
  const callerTraceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");

  before(async () => {
    collector = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        assert.equal(request.url, "/v1/traces");
        const payload = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: ExportedSpan[] }[] }[];
        };
        for (const resourceSpans of payload.resourceSpans) {
          resources.push(resourceSpans.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "");
          for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    db = await createTestDatabase();
    const port = await freePort();
    grpcPort = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    service = startServerProcess({
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      PUBLIC_URL: baseUrl,
      DATABASE_URL: db.url,
      SVAULT_KEK: randomBytes(32).toString("base64"),
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      DATA_DIR: tempDir("tracing"),
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    });
    await service.waitForLog((line) => line.msg === "listening");
  });
  after(async () => {
    if (service.child.exitCode === null) await service.stop();
    collector.close();
    await db.drop();
  });

  it("carry a REST request, its RPC and every SQL statement in one trace; gRPC continues the caller's trace", async () => {
    const created = await fetch(`${baseUrl}/api/v1/tenants`, {
      method: "POST",
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify({ tenant_id: tenantId, display_name: "Traced" }),
    });
    assert.equal(created.status, 201);
    // A failed authentication counts against the address: a pipelined statement.
    const refused = await fetch(`${baseUrl}/api/v1/tenants`, { headers: { "x-api-key": "svk_aaaaaaaaaaaaaaaa_wrong" } });
    assert.equal(refused.status, 401);
    const tenants = createGrpcJsClient(TenantService, `127.0.0.1:${grpcPort}`);
    try {
      const metadata = new grpc.Metadata();
      metadata.set("x-api-key", adminKey);
      metadata.set("traceparent", `00-${callerTraceId}-${callerSpanId}-01`);
      await tenants.rpc.listTenants({}, metadata);
    } finally {
      tenants.close();
    }
    // SIGTERM exports what the batch still holds before the process exits.
    assert.equal(await service.stop(), 0);

    assert.ok(resources.includes("svault"));
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestors = (span: ExportedSpan) => {
      const chain: ExportedSpan[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ""); parent; parent = byId.get(parent.parentSpanId ?? "")) chain.push(parent);
      return chain;
    };

    // REST → RPC → SQL
    const create = spans.find((span) => span.name === "svault.tenant.v1.TenantService/CreateTenant");
    assert.ok(create, `no CreateTenant span among ${spans.map((s) => s.name).join(", ")}`);
    const httpSpan = byId.get(create.parentSpanId ?? "");
    assert.equal(httpSpan?.name, "POST /api/v1/tenants");
    assert.equal(httpSpan?.kind, SPAN_KIND_SERVER);
    assert.equal(attribute(httpSpan as ExportedSpan, "http.route"), "/api/v1/tenants");
    const statements = spans.filter((span) => attribute(span, "db.query.text") !== undefined && ancestors(span).includes(create));
    const texts = statements.map((span) => attribute(span, "db.query.text") ?? "");
    assert.ok(
      texts.some((text) => /insert into "tenant"/i.test(text)),
      `statements under CreateTenant: ${texts.join("\n")}`,
    );
    assert.ok(statements.every((span) => span.traceId === create.traceId));
    assert.ok(!texts.some((text) => text.includes(tenantId)), "the statements' values are not in the trace");

    // Pipelined statements have their spans too.
    const list = spans.find((span) => span.name === "svault.tenant.v1.TenantService/ListTenants" && span.traceId !== callerTraceId);
    assert.ok(list);
    assert.equal(list.status?.code, STATUS_ERROR);
    const pipelined = spans.filter((span) => span.name.endsWith("(pipelined)") && ancestors(span).includes(list));
    assert.ok(
      pipelined.some((span) => /rate_limit/.test(attribute(span, "db.query.text") ?? "")),
      "the rate-limit count under the refused call",
    );

    // gRPC: the RPC span is the server span, in the caller's trace.
    const grpcCall = spans.find((span) => span.name === "svault.tenant.v1.TenantService/ListTenants" && span.traceId === callerTraceId);
    assert.ok(grpcCall, "the gRPC call continues the caller's trace");
    assert.equal(grpcCall.parentSpanId, callerSpanId);
    assert.equal(grpcCall.kind, SPAN_KIND_SERVER);
    assert.ok(spans.some((span) => attribute(span, "db.query.text") !== undefined && ancestors(span).includes(grpcCall)));

    // Probes are not traced.
    assert.ok(!spans.some((span) => span.name.includes("/health")));
  });
});
