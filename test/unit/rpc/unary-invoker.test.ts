// The unary invoker (src/rpc/unary-invoker.ts) as both of its users run it: the REST gateway and
// the gRPC listener's direct path, one implementation behind recording interceptors. The chain is
// composed once per method and runs in the order given on every call; headers and trailers the
// handler sets reach the REST answer and the gRPC answer, on success and on failure; a request or
// response an interceptor replaces is what the handler and the caller see, as with Connect's
// invokeUnaryImplementation. Real Fastify and HTTP/2 servers, real fetch and gRPC clients.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { Code, ConnectError, createClient, createContextValues, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import fastify, { type FastifyInstance } from "fastify";
import { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { grpcListener } from "../../../src/rpc/grpc-listener.js";
import { connectRoutes, registerService } from "../../../src/rpc/registry.js";
import { restGateway } from "../../../src/transcoding/rest-gateway.js";

type OidcImpl = Parameters<typeof registerService<typeof OidcService>>[1];

/** What the interceptors did, in order, and how many times a chain was composed. */
let events: string[] = [];
let composed = 0;

function recording(name: string): Interceptor {
  return (next) => {
    composed++;
    return (req) => {
      events.push(`${name} in`);
      return next(req).then((res) => {
        events.push(`${name} out`);
        return res;
      });
    };
  };
}

/** Tenant "swap": a request with other headers; tenant "replace": a response with other headers. */
const replacing: Interceptor = (next) => (req) => {
  const tenantId = (req.message as { tenantId?: string }).tenantId;
  if (tenantId === "swap") return next({ ...req, header: new Headers({ "x-swapped": "yes" }) });
  if (tenantId === "replace") return next(req).then((res) => ({ ...res, header: new Headers({ "x-replaced": "1" }) }));
  return next(req);
};

/** Sets a header and a trailer on every call; tenant "fail" also sets WWW-Authenticate and fails. */
const impl: OidcImpl = {
  getOpenidConfiguration(request, ctx) {
    events.push("handler");
    ctx.responseHeader.set("cache-control", "no-store");
    ctx.responseTrailer.set("x-audit", "seen");
    if (request.tenantId === "fail") {
      ctx.responseHeader.set("www-authenticate", 'Bearer error="invalid_token"');
      throw new ConnectError("no such tenant", Code.NotFound);
    }
    return { issuer: `${request.tenantId}:${ctx.requestHeader.get("x-swapped") ?? "-"}:${ctx.protocolName}` };
  },
} as OidcImpl;

const registrations = [registerService(OidcService, impl)];
const interceptors = [recording("outer"), recording("inner"), replacing];

let rest: FastifyInstance;
let grpc: http2.Http2Server;
let grpcUrl: string;
const sessions = new Set<http2.ServerHttp2Session>();
const shutdown = new AbortController();
/** Chains composed while the servers started (each method's, once). */
let composedAtStart = 0;

before(async () => {
  rest = fastify();
  await restGateway(rest, { registrations, interceptors });
  await rest.listen({ port: 0, host: "127.0.0.1" });
  const handler = grpcListener({
    routes: connectRoutes(registrations),
    registrations,
    interceptors,
    readMaxBytes: 1024 * 1024,
    shutdownSignal: shutdown.signal,
    contextValues: () => createContextValues(),
  });
  grpc = http2.createServer(handler);
  grpc.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => grpc.listen(0, "127.0.0.1", resolve));
  grpcUrl = `http://127.0.0.1:${(grpc.address() as AddressInfo).port}`;
  composedAtStart = composed;
});
after(async () => {
  shutdown.abort();
  await rest.close();
  const closed = new Promise((resolve) => grpc.close(resolve));
  for (const session of sessions) session.close();
  await closed;
});
beforeEach(() => {
  events = [];
});

const restCall = (tenant: string) =>
  fetch(`http://127.0.0.1:${(rest.server.address() as AddressInfo).port}/${tenant}/.well-known/openid-configuration`);
const grpcClient = () => createClient(OidcService, createGrpcTransport({ baseUrl: grpcUrl }));

interface GrpcOutcome {
  readonly answer?: { readonly issuer: string };
  readonly error?: ConnectError;
  readonly header: Headers | undefined;
  readonly trailer: Headers | undefined;
}

/** A gRPC call's answer (or failure), headers and trailers. */
async function grpcCall(tenantId: string): Promise<GrpcOutcome> {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  const outcome = await grpcClient()
    .getOpenidConfiguration({ tenantId }, { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) })
    .then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error: ConnectError.from(error) }),
    );
  return { ...outcome, header, trailer };
}

describe("the unary invoker", () => {
  it("runs the interceptors in the order given around the handler, over REST and gRPC, composing no chain per call", async () => {
    const expected = ["outer in", "inner in", "handler", "inner out", "outer out"];
    assert.equal((await restCall("acme")).status, 200);
    assert.deepEqual(events, expected);
    events = [];
    const { answer } = await grpcCall("acme");
    assert.equal(answer?.issuer, "acme:-:grpc");
    assert.deepEqual(events, expected);
    await restCall("acme");
    await grpcCall("acme");
    assert.equal(composed, composedAtStart, "calls compose no chain");
    assert.ok(composedAtStart > 0);
  });

  it("brings the headers a handler sets to the REST answer, and headers and trailers to the gRPC answer", async () => {
    const res = await restCall("acme");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(((await res.json()) as { issuer: string }).issuer, "acme:-:rest");
    const { header, trailer } = await grpcCall("acme");
    assert.equal(header?.get("cache-control"), "no-store");
    assert.equal(header?.get("content-type"), "application/grpc+proto");
    assert.equal(trailer?.get("x-audit"), "seen");
  });

  it("brings the headers a failing handler set to the error answers (WWW-Authenticate)", async () => {
    const res = await restCall("fail");
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    assert.deepEqual(events, ["outer in", "inner in", "handler"], "a failure passes the interceptors' `then`s by");
    // A failed call's client gives its headers and trailers as the error's metadata.
    const { error } = await grpcCall("fail");
    assert.equal(error?.code, Code.NotFound);
    assert.equal(error?.rawMessage, "no such tenant");
    assert.equal(error?.metadata.get("www-authenticate"), 'Bearer error="invalid_token"');
    assert.equal(error?.metadata.get("x-audit"), "seen");
  });

  it("gives the handler the request an interceptor passed on, and the caller the response an interceptor returned", async () => {
    assert.equal(((await (await restCall("swap")).json()) as { issuer: string }).issuer, "swap:yes:rest");
    assert.equal((await grpcCall("swap")).answer?.issuer, "swap:yes:grpc");
    // As Connect's copyHeaders: the replaced response's headers are the answer's, the handler's gone
    // (over REST; on the gRPC path the replacement would take its content type too, as with Connect's).
    const res = await restCall("replace");
    assert.equal(res.headers.get("x-replaced"), "1");
    assert.equal(res.headers.get("cache-control"), null);
  });
});
