// Which calls the gRPC listener answers on its direct path and which it leaves to Connect
// (src/rpc/grpc-listener.ts). The direct path calls the registrations' implementation, Connect the
// routes'; here the two answer differently, so each answer says which path produced it. Real
// HTTP/2 server, real Connect and gRPC clients.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient, createContextValues } from "@connectrpc/connect";
import { compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import {
  GetOpenidConfigurationRequestSchema,
  GetOpenidConfigurationResponseSchema,
  OidcService,
} from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { grpcListener } from "../../../src/rpc/grpc-listener.js";
import { answeringRefusals, RefusedStreams } from "../../../src/rpc/refused-requests.js";
import { registerService } from "../../../src/rpc/registry.js";

type OidcImpl = Parameters<typeof registerService<typeof OidcService>>[1];

/** An implementation whose answers name `path`; a tenant "fail" gets a NotFound with metadata. */
function answeringAs(path: string): OidcImpl {
  return {
    getOpenidConfiguration(request, ctx) {
      ctx.responseHeader.set("cache-control", "no-store");
      if (request.tenantId === "fail") throw new ConnectError(`no tenant (${path})`, Code.NotFound, { "retry-after": "7" });
      // What the call's context says of its request, to compare the two paths.
      if (request.tenantId === "context") {
        return { issuer: `${path}:${ctx.url}`, jwksUri: ctx.requestHeader.get("x-probe") ?? "", tokenEndpoint: ctx.protocolName };
      }
      // Long enough to be compressed when the client accepts it (connect compresses from 1 KiB).
      return { issuer: `${path}:${request.tenantId}`, tokenEndpoint: "t".repeat(request.tenantId === "large" ? 4096 : 1) };
    },
  } as OidcImpl;
}

const shutdown = new AbortController();
let server: http2.Http2Server;
let baseUrl: string;
const sessions = new Set<http2.ServerHttp2Session>();
const refused = new RefusedStreams();

before(async () => {
  const handler = grpcListener({
    routes: answeringRefusals((router) => router.service(OidcService, answeringAs("connect"))),
    registrations: [registerService(OidcService, answeringAs("direct"))],
    interceptors: [],
    readMaxBytes: 1024 * 1024,
    shutdownSignal: shutdown.signal,
    contextValues: () => createContextValues(),
  });
  // As app.ts: streams answered before their body was read are drained, and ended at close.
  server = http2.createServer((request, response) => {
    refused.watch(request);
    handler(request, response);
  });
  // The clients keep their connections open: closing the server ends them (as app.ts does).
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  shutdown.abort();
  const closed = new Promise((resolve) => server.close(resolve));
  for (const session of sessions) session.close();
  refused.close();
  await closed;
});

describe("the gRPC listener", () => {
  it("answers a plain unary gRPC call on its direct path, with the implementation's headers", async () => {
    let headers: Headers | undefined;
    const client = createClient(OidcService, createGrpcTransport({ baseUrl }));
    const answer = await client.getOpenidConfiguration({ tenantId: "acme" }, { onHeader: (h) => (headers = h) });
    assert.equal(answer.issuer, "direct:acme");
    assert.equal(headers?.get("cache-control"), "no-store");
    assert.equal(headers?.get("content-type"), "application/grpc+proto");
  });

  it("answers a failure on its direct path in the trailers, as Connect does (code, message, metadata)", async () => {
    const client = createClient(OidcService, createGrpcTransport({ baseUrl }));
    const failure = await client.getOpenidConfiguration({ tenantId: "fail" }).then(
      () => assert.fail("answered"),
      (error: unknown) => ConnectError.from(error),
    );
    assert.equal(failure.code, Code.NotFound);
    assert.equal(failure.rawMessage, "no tenant (direct)");
    assert.equal(failure.metadata.get("retry-after"), "7");
  });

  it("compresses a large answer on its direct path when the client accepts it", async () => {
    const client = createClient(OidcService, createGrpcTransport({ baseUrl, acceptCompression: [compressionGzip] }));
    let encoding: string | null | undefined;
    const answer = await client.getOpenidConfiguration({ tenantId: "large" }, { onHeader: (h) => (encoding = h.get("grpc-encoding")) });
    assert.equal(answer.issuer, "direct:large");
    assert.equal(answer.tokenEndpoint.length, 4096);
    assert.equal(encoding, "gzip");
  });

  it("reads a message that arrives in several DATA frames", async () => {
    // tenant_id "split" as field 1, in a gRPC envelope, written in three parts.
    const message = Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from("split")]);
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const session = http2.connect(baseUrl);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/svault.oidc.v1.OidcService/GetOpenidConfiguration",
        "content-type": "application/grpc",
        te: "trailers",
      });
      const parts: Buffer[] = [];
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("data", (part: Buffer) => parts.push(part));
      stream.on("trailers", (t) => (trailers = t));
      // Each write handed to the socket before the next: three DATA frames, three chunks at the server.
      await new Promise((resolve) => stream.write(envelope.subarray(0, 3), resolve));
      await new Promise((resolve) => stream.write(envelope.subarray(3, 9), resolve));
      stream.end(envelope.subarray(9));
      await new Promise((resolve) => stream.on("close", resolve));
      assert.equal(trailers["grpc-status"], "0");
      assert.match(Buffer.concat(parts).subarray(5).toString("latin1"), /direct:split/);
    } finally {
      session.close();
    }
  });

  for (const [name, transport, wanted] of [
    ["a call with a deadline", () => createGrpcTransport({ baseUrl, defaultTimeoutMs: 30_000 }), "connect"],
    ["a compressed request", () => createGrpcTransport({ baseUrl, sendCompression: compressionGzip, compressMinBytes: 1 }), "connect"],
    ["gRPC in JSON", () => createGrpcTransport({ baseUrl, useBinaryFormat: false }), "connect"],
    ["gRPC-Web", () => createGrpcWebTransport({ baseUrl, httpVersion: "2" }), "connect"],
    ["Connect over HTTP/2", () => createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }), "connect"],
  ] as const) {
    it(`leaves ${name} to Connect`, async () => {
      const answer = await createClient(OidcService, transport()).getOpenidConfiguration({ tenantId: "acme" });
      assert.equal(answer.issuer, `${wanted}:acme`);
    });
  }

  it("leaves a message over the size limit to Connect: resource_exhausted", async () => {
    const client = createClient(OidcService, createGrpcTransport({ baseUrl }));
    const failure = await client.getOpenidConfiguration({ tenantId: "a".repeat(1024 * 1024) }).then(
      () => assert.fail("answered"),
      (error: unknown) => ConnectError.from(error),
    );
    assert.equal(failure.code, Code.ResourceExhausted);
  });

  it("leaves bytes that do not parse to Connect: invalid_argument", async () => {
    const session = http2.connect(baseUrl);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/svault.oidc.v1.OidcService/GetOpenidConfiguration",
        "content-type": "application/grpc",
        te: "trailers",
      });
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("trailers", (t) => (trailers = t));
      stream.resume();
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0xff, 0xff]));
      await new Promise((resolve) => stream.on("close", resolve));
      assert.equal(trailers["grpc-status"], String(Code.InvalidArgument));
    } finally {
      session.close();
    }
  });

  /** A raw gRPC call of Get Openid Configuration for tenant "context", with the pseudo-headers and headers given. */
  async function contextOf(headers: http2.OutgoingHttpHeaders): Promise<{ issuer: string; jwksUri: string; protocol: string }> {
    const message = toBinary(GetOpenidConfigurationRequestSchema, create(GetOpenidConfigurationRequestSchema, { tenantId: "context" }));
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const session = http2.connect(baseUrl);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/svault.oidc.v1.OidcService/GetOpenidConfiguration",
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const parts: Buffer[] = [];
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("data", (part: Buffer) => parts.push(part));
      stream.on("trailers", (t) => (trailers = t));
      stream.end(envelope);
      await new Promise((resolve) => stream.on("close", resolve));
      assert.equal(trailers["grpc-status"], "0", String(trailers["grpc-message"]));
      const answer = fromBinary(GetOpenidConfigurationResponseSchema, Buffer.concat(parts).subarray(5));
      return { issuer: answer.issuer, jwksUri: answer.jwksUri, protocol: answer.tokenEndpoint };
    } finally {
      session.close();
    }
  }

  for (const [name, headers] of [
    ["the client's authority", {}],
    ["an authority URL parsing normalises (case, default port)", { ":authority": "API.Example.COM:80" }],
    ["an IPv4 authority URL parsing rewrites", { ":authority": "127.1:8080" }],
    ["an IPv6 authority", { ":authority": "[0:0::1]:443" }],
    ["a path with a query", { ":path": "/svault.oidc.v1.OidcService/GetOpenidConfiguration?x=%41&y" }],
  ] as const) {
    it(`gives the call the URL and headers Connect gives it: ${name}`, async () => {
      const probe = { "x-probe": "seen", ...headers };
      const direct = await contextOf(probe);
      // A deadline sends the same call through Connect.
      const connect = await contextOf({ ...probe, "grpc-timeout": "30S" });
      assert.equal(direct.protocol, "grpc");
      assert.equal(connect.protocol, "grpc");
      assert.match(direct.issuer, /^direct:/);
      assert.equal(direct.issuer.replace(/^direct:/, ""), connect.issuer.replace(/^connect:/, ""));
      assert.equal(direct.jwksUri, "seen");
      assert.equal(connect.jwksUri, "seen");
    });
  }

  it("remembers no URL of an earlier call's authority", async () => {
    const first = await contextOf({ ":authority": "one.example:8443" });
    const second = await contextOf({ ":authority": "two.example:8443" });
    const again = await contextOf({ ":authority": "one.example:8443" });
    assert.equal(first.issuer, "direct:http://one.example:8443/svault.oidc.v1.OidcService/GetOpenidConfiguration");
    assert.equal(second.issuer, "direct:http://two.example:8443/svault.oidc.v1.OidcService/GetOpenidConfiguration");
    assert.equal(again.issuer, first.issuer);
  });

  it("answers a small message uncompressed but names the negotiated encoding, as Connect does", async () => {
    const message = toBinary(GetOpenidConfigurationRequestSchema, create(GetOpenidConfigurationRequestSchema, { tenantId: "small" }));
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const answers: { encoding: unknown; flags: number | undefined; issuer: string }[] = [];
    // The negotiation is remembered for the last grpc-accept-encoding seen: a call without one after it gets no encoding.
    const accepting = { "grpc-accept-encoding": "identity,deflate,gzip" };
    for (const extra of [accepting, { ...accepting, "grpc-timeout": "30S" }, {}, { "grpc-timeout": "30S" }, accepting]) {
      const session = http2.connect(baseUrl);
      try {
        const stream = session.request({
          ":method": "POST",
          ":path": "/svault.oidc.v1.OidcService/GetOpenidConfiguration",
          "content-type": "application/grpc",
          te: "trailers",
          ...extra,
        });
        let encoding: unknown;
        const parts: Buffer[] = [];
        stream.on("response", (headers) => (encoding = headers["grpc-encoding"]));
        stream.on("data", (part: Buffer) => parts.push(part));
        stream.end(envelope);
        await new Promise((resolve) => stream.on("close", resolve));
        const body = Buffer.concat(parts);
        answers.push({ encoding, flags: body[0], issuer: fromBinary(GetOpenidConfigurationResponseSchema, body.subarray(5)).issuer });
      } finally {
        session.close();
      }
    }
    assert.deepEqual(answers, [
      { encoding: "gzip", flags: 0, issuer: "direct:small" },
      { encoding: "gzip", flags: 0, issuer: "connect:small" },
      { encoding: undefined, flags: 0, issuer: "direct:small" },
      { encoding: undefined, flags: 0, issuer: "connect:small" },
      { encoding: "gzip", flags: 0, issuer: "direct:small" },
    ]);
  });
});
