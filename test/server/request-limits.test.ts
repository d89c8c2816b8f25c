// What a request too large or malformed gets, on every protocol and both listeners: a message over
// the size limit is refused as resource_exhausted before the server reads it, a binary message
// that does not parse is invalid_argument, and identifiers are bounded by their field rules.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { OAuthErrorTestService } from "../../gen/svault/testing/v1/transcoding_service_pb.js";
import { MAX_REQUEST_BYTES } from "../../src/app.js";
import { createServices } from "../../src/services.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { jsonStringBody, protobufStringBody, type UploadAnswer, type UploadBody, uploadHttp1, uploadHttp2 } from "../support/raw-upload.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { testServices } from "../support/transcoding-test-service.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ registrations: (deps) => [...createServices(deps), ...testServices()] });
});
after(() => server.close());

const RPC = "/svault.oidc.v1.OidcService/GetOpenidConfiguration";

const transports: [string, () => Transport][] = [
  ["Connect JSON, HTTP/1.1", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
  ["Connect binary, HTTP/1.1", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true })],
  ["gRPC-Web, HTTP/1.1", () => createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
  ["Connect JSON, HTTP/2", () => createConnectTransport({ baseUrl: server.grpcUrl, httpVersion: "2" })],
  ["Connect binary, HTTP/2", () => createConnectTransport({ baseUrl: server.grpcUrl, httpVersion: "2", useBinaryFormat: true })],
  ["gRPC-Web, HTTP/2", () => createGrpcWebTransport({ baseUrl: server.grpcUrl, httpVersion: "2" })],
  ["gRPC, HTTP/2", () => createGrpcTransport({ baseUrl: server.grpcUrl })],
];

function rejectsWith(code: Code) {
  return (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(Code[error.code], Code[code], error.message);
    return true;
  };
}

describe("the request size limit (1 MiB per message)", () => {
  for (const [name, transport] of transports) {
    it(`${name}: a larger message is resource_exhausted; a smaller one is read and judged by its field rules`, async () => {
      const oidc = createClient(OidcService, transport());
      await assert.rejects(oidc.getOpenidConfiguration({ tenantId: "a".repeat(MAX_REQUEST_BYTES) }), rejectsWith(Code.ResourceExhausted));
      await assert.rejects(
        oidc.getOpenidConfiguration({ tenantId: "a".repeat(MAX_REQUEST_BYTES - 1024) }),
        rejectsWith(Code.InvalidArgument),
      );
    });
  }

  it("gRPC from @grpc/grpc-js: RESOURCE_EXHAUSTED, then INVALID_ARGUMENT just under the limit", async () => {
    const oidc = createGrpcJsClient(OidcService, `127.0.0.1:${server.grpcPort}`);
    try {
      await assert.rejects(
        oidc.rpc.getOpenidConfiguration({ tenantId: "a".repeat(MAX_REQUEST_BYTES) }),
        (error: { code?: number }) => error.code === grpc.status.RESOURCE_EXHAUSTED,
      );
      await assert.rejects(
        oidc.rpc.getOpenidConfiguration({ tenantId: "a".repeat(MAX_REQUEST_BYTES - 1024) }),
        (error: { code?: number }) => error.code === grpc.status.INVALID_ARGUMENT,
      );
    } finally {
      oidc.close();
    }
  });
});

describe("an oversized body is refused before the server reads it", () => {
  // 32 MiB offered, produced only as the server takes it: the server answers after reading at
  // most the limit; what the client had written by then is that plus the sockets' buffers.
  const OFFERED = 32 * 1024 * 1024;
  const READ_AT_MOST = 8 * 1024 * 1024;
  const json = jsonStringBody("tenant_id", OFFERED);
  const enveloped = protobufStringBody(OFFERED, true);

  // Over HTTP/1.1 the unread rest of the body stays on the connection: the answer closes it, or
  // the client's next request on it would wait behind that rest for ever.
  const closesConnection = (answer: UploadAnswer) => assert.equal(answer.headers.connection, "close");
  const cases: [string, () => Promise<UploadAnswer>, (answer: UploadAnswer) => void][] = [
    [
      "Connect JSON over HTTP/1.1 that declares its size",
      () => uploadHttp1(`${server.baseUrl}${RPC}`, { "content-type": "application/json" }, json, { chunked: false }),
      (answer) => {
        connectResourceExhausted(answer);
        closesConnection(answer);
      },
    ],
    [
      "Connect JSON over HTTP/1.1, chunked",
      () => uploadHttp1(`${server.baseUrl}${RPC}`, { "content-type": "application/json" }, json, { chunked: true }),
      (answer) => {
        connectResourceExhausted(answer);
        closesConnection(answer);
      },
    ],
    [
      "gRPC-Web over HTTP/1.1, chunked",
      () => uploadHttp1(`${server.baseUrl}${RPC}`, { "content-type": "application/grpc-web+proto" }, enveloped, { chunked: true }),
      (answer) => {
        assert.equal(grpcWebStatus(answer.body), "8");
        closesConnection(answer);
      },
    ],
    [
      "Connect JSON over HTTP/2",
      () => uploadHttp2(server.grpcUrl, { ":path": RPC, "content-type": "application/json" }, json),
      connectResourceExhausted,
    ],
    [
      "gRPC over HTTP/2",
      () => uploadHttp2(server.grpcUrl, { ":path": RPC, "content-type": "application/grpc", te: "trailers" }, enveloped),
      (answer) => assert.equal(answer.trailers["grpc-status"] ?? answer.headers["grpc-status"], "8"),
    ],
  ];
  for (const [name, upload, expect] of cases) {
    it(name, async () => {
      const answer = await upload();
      assert.equal(answer.failure, undefined, `no answer: ${answer.failure}`);
      expect(answer);
      assert.ok(answer.sent < READ_AT_MOST, `${answer.sent} bytes were taken before the answer`);
    });
  }

  it("the server still answers at once afterwards", async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    assert.equal(res.status, 200);
  });
});

function connectResourceExhausted(answer: UploadAnswer): void {
  assert.equal(answer.status, 429);
  assert.equal(JSON.parse(answer.body.toString()).code, "resource_exhausted");
}

/** The grpc-status in the trailer envelope that ends a gRPC-Web answer. */
function grpcWebStatus(body: Buffer): string | undefined {
  for (let offset = 0; offset + 5 <= body.length; ) {
    const length = body.readUInt32BE(offset + 1);
    if ((body[offset] as number) & 0x80) {
      return /^grpc-status: *(\d+)/m.exec(body.subarray(offset + 5, offset + 5 + length).toString())?.[1];
    }
    offset += 5 + length;
  }
  return undefined;
}

describe("a binary message that does not parse is invalid_argument", () => {
  // Field 1, length-delimited, whose length varint never ends.
  const garbage = new Uint8Array([0x0a, 0xff]);
  const rawBody = (bytes: Uint8Array): UploadBody => ({ size: bytes.length, head: bytes, tail: new Uint8Array() });
  const enveloped = new Uint8Array([0, 0, 0, 0, garbage.length, ...garbage]);

  it("Connect binary over HTTP/1.1: 400 invalid_argument", async () => {
    const res = await fetch(`${server.baseUrl}${RPC}`, { method: "POST", headers: { "content-type": "application/proto" }, body: garbage });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, "invalid_argument");
  });

  it("Connect binary over HTTP/2: 400 invalid_argument", async () => {
    const answer = await uploadHttp2(server.grpcUrl, { ":path": RPC, "content-type": "application/proto" }, rawBody(garbage));
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body.toString()).code, "invalid_argument");
  });

  it("gRPC-Web over HTTP/1.1 and HTTP/2: status 3", async () => {
    const res = await fetch(`${server.baseUrl}${RPC}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: enveloped,
    });
    assert.equal(grpcWebStatus(Buffer.from(await res.arrayBuffer())), "3");
    const answer = await uploadHttp2(server.grpcUrl, { ":path": RPC, "content-type": "application/grpc-web+proto" }, rawBody(enveloped));
    assert.equal(grpcWebStatus(answer.body), "3");
  });

  it("gRPC from @grpc/grpc-js: INVALID_ARGUMENT", async () => {
    const client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
    try {
      const code = await new Promise<number | undefined>((resolve) => {
        const identity = (bytes: Buffer) => bytes;
        client.makeUnaryRequest(RPC, identity, identity, Buffer.from(garbage), new grpc.Metadata(), (error) => resolve(error?.code));
      });
      assert.equal(code, grpc.status.INVALID_ARGUMENT);
    } finally {
      client.close();
    }
  });

  it("a handler's own failure on a well-formed binary request stays internal", async () => {
    const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true });
    await assert.rejects(createClient(OAuthErrorTestService, transport).failOAuth({ code: "crash" }), rejectsWith(Code.Internal));
  });
});

describe("identifiers are bounded by their field rules over every protocol", () => {
  for (const [name, transport] of transports) {
    it(`${name}: a tenant_id longer than 63 characters is invalid_argument, not looked up`, async () => {
      const clients = createClient(ClientService, transport());
      await assert.rejects(
        clients.listClients({ tenantId: "t".repeat(64) }, { headers: { "x-api-key": server.adminKey } }),
        rejectsWith(Code.InvalidArgument),
      );
    });
  }
});
