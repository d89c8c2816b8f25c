// The answers Fastify and Node give on their own (no route, a URL the router cannot take, a body
// it cannot parse, headers too large) are in the API's error shape, never echo the request, and
// every answer on both listeners carries the security headers (HSTS: this server's PUBLIC_URL is
// https; test/server/protocols.test.ts checks that an http one sends none).
import assert from "node:assert/strict";
import http2 from "node:http2";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { DOCS_CSP } from "../../src/docs/docs-routes.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { PUBLIC_URL: "https://id.example.test" } });
});
after(() => server.close());

const HSTS = "max-age=31536000";

function assertSecurityHeaders(headers: Headers): void {
  assert.equal(headers.get("x-content-type-options"), "nosniff");
  assert.equal(headers.get("strict-transport-security"), HSTS);
}

async function detailOf(res: Response): Promise<unknown> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return res.json();
}

describe("Fastify's own refusals are in the API's error shape", () => {
  it("an unknown route is 404 {detail: Not Found}, whatever the method", async () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await fetch(`${server.baseUrl}/no/such/route`, { method });
      assert.equal(res.status, 404);
      assert.deepEqual(await detailOf(res), { detail: "Not Found" });
      assertSecurityHeaders(res.headers);
      assert.ok(res.headers.get("x-request-id"));
    }
  });

  it("a path parameter longer than the router takes is 414, without the URL", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/tenants/default/users/${"u".repeat(3000)}`);
    assert.equal(res.status, 414);
    assert.deepEqual(await detailOf(res), { detail: "URI Too Long" });
    assertSecurityHeaders(res.headers);
  });

  it("a malformed percent-encoding is 400, without the URL", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/tenants/%zz-secret/users`);
    assert.equal(res.status, 400);
    assert.deepEqual(await detailOf(res), { detail: "Malformed URL" });
    assertSecurityHeaders(res.headers);
  });

  it("headers larger than Node takes are 431 {detail}, and the connection is closed", async () => {
    const socket = connect(Number(new URL(server.baseUrl).port), "127.0.0.1");
    socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${"f".repeat(32 * 1024)}\r\n\r\n`);
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    await new Promise((resolve) => socket.on("close", resolve));
    const [head, body] = answer.split("\r\n\r\n");
    assert.match(head ?? "", /^HTTP\/1\.1 431 /);
    assert.match(head ?? "", /^content-type: application\/json$/m);
    assert.match(head ?? "", /^x-content-type-options: nosniff$/m);
    assert.deepEqual(JSON.parse(body ?? ""), { detail: "Request Header Fields Too Large" });
  });

  it("bad bodies on a REST route are in the route family's shape: detail, or OAuth", async () => {
    const post = (path: string, contentType: string, body: string) =>
      fetch(`${server.baseUrl}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
    const tooLarge = `{"username":"${"a".repeat(1024 * 1024)}"}`;

    let res = await post("/api/v1/auth/register", "application/json", tooLarge);
    assert.equal(res.status, 413);
    assert.deepEqual(await detailOf(res), { detail: "Request body is too large" });
    res = await post("/api/v1/auth/register", "application/xml", "<a/>");
    assert.equal(res.status, 415);
    assert.deepEqual(Object.keys((await detailOf(res)) as object), ["detail"]);

    res = await post("/oidc/token", "application/x-www-form-urlencoded", `client_id=${"c".repeat(1024 * 1024)}`);
    assert.equal(res.status, 413);
    assert.deepEqual(await detailOf(res), { error: "invalid_request", error_description: "Request body is too large" });
    assert.equal(res.headers.get("cache-control"), "no-store");
    res = await post("/oidc/token", "application/json", "{not json");
    assert.equal(res.status, 400);
    assert.equal(((await detailOf(res)) as { error: string }).error, "invalid_request");
    res = await post("/oidc/token", "application/xml", "<a/>");
    assert.equal(res.status, 415);
    assert.equal(((await detailOf(res)) as { error: string }).error, "invalid_request");
  });
});

describe("Content-Type: application/json without a body", () => {
  const admin = (method: string, path: string) =>
    fetch(`${server.baseUrl}${path}`, { method, headers: { "content-type": "application/json", "x-api-key": server.adminKey } });

  it("is no body for a DELETE or GET: the RPC answers", async () => {
    let res = await admin("DELETE", "/api/v1/api-keys/nosuchkey");
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: "API key nosuchkey not found" });
    res = await admin("GET", "/api/v1/tenants/default");
    assert.equal(res.status, 200);
  });

  it("is no body for a POST whose RPC takes none", async () => {
    const res = await admin("POST", "/api/v1/api-keys/nosuchkey/regenerate");
    assert.equal(res.status, 404);
  });

  it("is 422 naming the missing fields for a POST whose RPC needs a body", async () => {
    const res = await admin("POST", "/api/v1/tenants");
    assert.equal(res.status, 422);
    const detail = (await res.json()).detail as { loc: string[]; type: string }[];
    assert.deepEqual(
      detail.map((d) => [d.loc.join("."), d.type]),
      [["body.tenant_id", "missing"]],
    );
  });
});

describe("security headers on every answer", () => {
  it("REST, Connect and gRPC-Web on the HTTP/1.1 listener", async () => {
    assertSecurityHeaders((await fetch(`${server.baseUrl}/health`)).headers);
    const connect = await fetch(`${server.baseUrl}/svault.health.v1.HealthService/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(connect.status, 200);
    assertSecurityHeaders(connect.headers);
    const grpcWeb = await fetch(`${server.baseUrl}/svault.health.v1.HealthService/Check`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: new Uint8Array(5),
    });
    assertSecurityHeaders(grpcWeb.headers);
  });

  it("Connect and gRPC on the HTTP/2 listener", async () => {
    const session = http2.connect(server.grpcUrl);
    try {
      for (const contentType of ["application/json", "application/grpc"]) {
        const body = contentType === "application/json" ? "{}" : new Uint8Array(5);
        const stream = session.request({
          ":method": "POST",
          ":path": "/svault.health.v1.HealthService/Check",
          "content-type": contentType,
        });
        stream.end(body);
        const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
        stream.resume();
        assert.equal(headers[":status"], 200);
        assert.equal(headers["x-content-type-options"], "nosniff", contentType);
        assert.equal(headers["strict-transport-security"], HSTS, contentType);
      }
    } finally {
      session.close();
    }
  });

  it("the hosted pages and the API reference keep their Content-Security-Policy", async () => {
    const page = await fetch(`${server.baseUrl}/ui/logged-out`);
    assert.equal(page.status, 200);
    assertSecurityHeaders(page.headers);
    assert.match(page.headers.get("content-security-policy") ?? "", /^default-src 'none'; script-src 'self'/);
    const docs = await fetch(`${server.baseUrl}/docs`);
    assertSecurityHeaders(docs.headers);
    assert.equal(docs.headers.get("content-security-policy"), DOCS_CSP);
  });
});
