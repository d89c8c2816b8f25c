// The HTTP/2 (gRPC) listener takes the client's address from X-Forwarded-For behind
// TRUST_PROXY_HOPS trusted proxies, as the HTTP/1.1 listener does: the per-address rate limit
// refuses the forwarded client, not the proxy that every client comes through.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { clientAddressOf } from "../../src/rpc/client-address.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("clientAddressOf", () => {
  it("takes the entry the trusted proxies appended, never one further left", () => {
    assert.equal(clientAddressOf("10.0.0.1", "203.0.113.7", 0), "10.0.0.1");
    assert.equal(clientAddressOf("10.0.0.1", undefined, 1), "10.0.0.1");
    assert.equal(clientAddressOf("10.0.0.1", "203.0.113.7", 1), "203.0.113.7");
    assert.equal(clientAddressOf("10.0.0.1", "1.2.3.4, 203.0.113.7", 1), "203.0.113.7", "a client's own entry is ignored");
    assert.equal(clientAddressOf("10.0.0.1", ["1.2.3.4", "203.0.113.7, 10.0.0.2"], 2), "203.0.113.7");
    assert.equal(clientAddressOf("10.0.0.1", "203.0.113.7", 3), "203.0.113.7", "fewer entries than hops: the leftmost");
  });
});

describe("gRPC behind one trusted proxy", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { TRUST_PROXY_HOPS: "1", RATE_LIMIT_ADDRESS_FAILURES: "2/60" } });
  });
  after(() => server.close());

  it("counts failed authentications per forwarded address", async () => {
    const tenants = createGrpcJsClient(TenantService, `127.0.0.1:${server.grpcPort}`);
    const callFrom = async (address: string) => {
      const metadata = new grpc.Metadata();
      metadata.set("x-api-key", "svk_aaaaaaaaaaaaaaaa_wrong");
      metadata.set("x-forwarded-for", address);
      try {
        await tenants.rpc.listTenants({}, metadata);
        return grpc.status.OK;
      } catch (error) {
        return (error as grpc.ServiceError).code;
      }
    };
    try {
      const first = [await callFrom("203.0.113.7"), await callFrom("203.0.113.7"), await callFrom("203.0.113.7")];
      assert.deepEqual(first, [grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED, grpc.status.RESOURCE_EXHAUSTED]);
      assert.equal(await callFrom("203.0.113.8"), grpc.status.UNAUTHENTICATED, "another client behind the same proxy goes on");
    } finally {
      tenants.close();
    }
  });
});
