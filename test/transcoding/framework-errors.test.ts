// What a hook of a REST route throws is answered like the route's RPC would answer it: a CORS
// origin check that cannot reach the database is 503 with Retry-After in the route family's shape,
// not Fastify's 500.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fastify from "fastify";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../src/errors/domain-error.js";
import { compileBinding } from "../../src/transcoding/binding.js";
import { corsRoutes } from "../../src/transcoding/cors.js";
import { renderOAuthError } from "../../src/transcoding/error-renderers.js";
import { fastifyErrorHandler } from "../../src/transcoding/framework-errors.js";

describe("errors thrown by a REST route's hooks", () => {
  it("a CORS origin check while the database is down: 503, Retry-After, OAuth's temporarily_unavailable", async () => {
    const binding = compileBinding(OidcService.method.token, "POST", "/{tenant_id}/token", "*", "");
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const app = fastify();
    app.setErrorHandler(fastifyErrorHandler(() => renderOAuthError));
    await app.register(
      corsRoutes([
        {
          route: { method: "POST", url: binding.route, handler: async () => ({}) },
          binding,
          policy: { origins: () => Promise.reject(refused) },
        },
      ]),
    );
    const res = await app.inject({
      method: "OPTIONS",
      url: "/acme/token",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers["retry-after"], String(DATABASE_RETRY_AFTER_SECONDS));
    assert.equal(res.json().error, "temporarily_unavailable");
    assert.equal(res.headers["access-control-allow-origin"], undefined);
    await app.close();
  });
});
