// One service implementation, every protocol: REST, Connect (JSON and binary), gRPC-Web, and
// gRPC on the HTTP/2 listener.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { HealthService } from "../../gen/svault/health/v1/health_service_pb.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const expected = { status: "ok", version: "0.1.0", env: "test" };

describe("Health over every protocol", () => {
  it("REST: GET /health answers the reference's body, uncached", async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    // PUBLIC_URL is http here: no HSTS (test/server/error-shapes.test.ts has the https case).
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("strict-transport-security"), null);
    assert.deepEqual(await res.json(), expected);
  });

  const transports: [string, () => Transport][] = [
    ["Connect JSON over HTTP/1.1", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: false })],
    ["Connect binary over HTTP/1.1", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true })],
    ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
    ["Connect over HTTP/2", () => createConnectTransport({ baseUrl: server.grpcUrl, httpVersion: "2" })],
    ["gRPC over HTTP/2 (h2c)", () => createGrpcTransport({ baseUrl: server.grpcUrl })],
  ];
  for (const [name, transport] of transports) {
    it(name, async () => {
      const client = createClient(HealthService, transport());
      const answer = await client.check({});
      assert.deepEqual({ status: answer.status, version: answer.version, env: answer.env }, expected);
    });
  }

  it("gRPC with a real @grpc/grpc-js client and the generated types", async () => {
    const health = createGrpcJsClient(HealthService, `127.0.0.1:${server.grpcPort}`);
    const standard = createGrpcJsClient(Health, `127.0.0.1:${server.grpcPort}`);
    try {
      const answer = await health.rpc.check({});
      assert.deepEqual({ status: answer.status, version: answer.version, env: answer.env }, expected);
      const probe = await standard.rpc.check({ service: "" });
      assert.equal(probe.status, HealthCheckResponse_ServingStatus.SERVING);
      await assert.rejects(
        standard.rpc.check({ service: "no.such.Service" }),
        (error: { code?: number }) => error.code === grpc.status.NOT_FOUND,
      );
    } finally {
      health.close();
      standard.close();
    }
  });

  it("Connect unary calls are plain POSTs that curl can make", async () => {
    const res = await fetch(`${server.baseUrl}/svault.health.v1.HealthService/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), expected);
  });

  it("unknown REST paths answer 404", async () => {
    const res = await fetch(`${server.baseUrl}/no/such/route`);
    assert.equal(res.status, 404);
  });
});

describe("Health when the database is gone", () => {
  it("answers 503 with status unavailable over REST", async () => {
    const doomed = await startTestServer();
    try {
      await doomed.db.drop();
      const res = await fetch(`${doomed.baseUrl}/health`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { ...expected, status: "unavailable" });
    } finally {
      await doomed.app.close();
    }
  });
});
