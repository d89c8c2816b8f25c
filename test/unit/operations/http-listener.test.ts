// The HTTP listener's options and per-answer hook (src/operations/http-listener.ts): a client
// address, host and protocol from the socket unless TRUST_PROXY_HOPS trusts that many proxies;
// the request id and security headers on every answer, whatever the route.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fastify from "fastify";
import { answerHeaders, httpListenerOptions, securityHeaders } from "../../../src/operations/http-listener.js";
import { captureLogs } from "../../support/log-capture.js";
import { testConfig } from "../../support/test-config.js";

const FORWARDED = { "x-forwarded-for": "203.0.113.7, 198.51.100.2", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };

async function seen(hops: string) {
  const app = fastify(httpListenerOptions(testConfig({ TRUST_PROXY_HOPS: hops }), captureLogs("warn").logger, {}));
  app.get("/", (request, reply) => {
    reply.send({ ip: request.ip, host: request.host, protocol: request.protocol });
  });
  const res = await app.inject({ method: "GET", url: "/", headers: { host: "svault.example", ...FORWARDED } });
  await app.close();
  return res.json() as { ip: string; host: string; protocol: string };
}

describe("the HTTP listener", () => {
  it("without trusted proxies, reads the client from the socket and ignores X-Forwarded-*", async () => {
    assert.deepEqual(await seen("0"), { ip: "127.0.0.1", host: "svault.example", protocol: "http" });
  });

  it("behind TRUST_PROXY_HOPS proxies, takes the address that many hops back, and the proxy's host and protocol", async () => {
    assert.deepEqual(await seen("1"), { ip: "198.51.100.2", host: "evil.example", protocol: "https" });
    assert.equal((await seen("2")).ip, "203.0.113.7");
  });

  it("puts the request id and the security headers on every answer, a 404 included", async () => {
    const everyAnswer = securityHeaders("https://id.example");
    const app = fastify(httpListenerOptions(testConfig(), captureLogs("warn").logger, everyAnswer));
    app.addHook("onRequest", answerHeaders(everyAnswer));
    app.get("/", (_request, reply) => {
      reply.send("ok");
    });
    for (const url of ["/", "/nowhere"]) {
      const res = await app.inject({ method: "GET", url, headers: { "x-request-id": "trace-1" } });
      assert.equal(res.headers["x-request-id"], "trace-1", url);
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
      assert.equal(res.headers["strict-transport-security"], "max-age=31536000", url);
    }
    const generated = await app.inject({ method: "GET", url: "/", headers: { "x-request-id": "not a valid id" } });
    assert.match(String(generated.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    await app.close();
  });
  it("compiles a route's schemas when one declares them (the compilers load on demand): validation and serialization as Fastify's own", async () => {
    const app = fastify(httpListenerOptions(testConfig(), captureLogs("warn").logger, {}));
    app.post(
      "/echo",
      {
        schema: {
          headers: { type: "object", properties: { "x-tag": { type: "string", pattern: "^[a-z]+$" } }, required: ["x-tag"] },
          body: { type: "object", properties: { n: { type: "integer", minimum: 1 } }, required: ["n"] },
          response: { 200: { type: "object", properties: { n: { type: "integer" } } } },
        },
      },
      (request, reply) => {
        reply.send({ ...(request.body as object), secret: "not in the response schema" });
      },
    );
    const post = (body: unknown, tag = "ok") =>
      app.inject({ method: "POST", url: "/echo", headers: { "x-tag": tag }, payload: body as object });
    const valid = await post({ n: 2 });
    assert.equal(valid.statusCode, 200);
    assert.deepEqual(valid.json(), { n: 2 }, "serialized by the response schema");
    assert.equal((await post({ n: 0 })).statusCode, 400, "the body's schema");
    assert.equal((await post({ n: 2 }, "NOT-LOWER")).statusCode, 400, "the headers' schema");
    await app.close();
  });
});
