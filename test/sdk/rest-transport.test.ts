// RestTransport against a recording fetch: paths, query parameters, JSON bodies with the
// reference's field names, credentials, and the error shapes → SvaultAuthError.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { RestTransport } from "../../src/sdk/rest-transport.js";

interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

function recordingFetch(recorded: Recorded[], answer: (url: URL) => Response): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    recorded.push({
      method: init?.method ?? "GET",
      url: url.pathname + url.search,
      headers,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    return answer(url);
  };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function okServer(url: URL): Response {
  if (url.pathname.endsWith("/challenge") || url.pathname.endsWith("/aux-challenge"))
    return json({ challenge_data: "Q0Q", proto_version: "pv" });
  if (url.pathname.endsWith("/authenticate")) return json({ nonce: "n-1", need_verify: false });
  if (url.pathname.endsWith("/jwks.json")) return json({ keys: [{ kty: "OKP", crv: "X25519", x: "AA", kid: "e", use: "enc" }] });
  // Register, Verify Email, the resets and Change Password answer the JSON null, as the reference does.
  return json(null);
}

describe("RestTransport", () => {
  it("calls the documented paths with the reference's field names", async () => {
    const recorded: Recorded[] = [];
    const transport = new RestTransport({ baseUrl: "https://id.example.com/", fetch: recordingFetch(recorded, okServer) });
    const context = { authReqId: "ar 1", tenantId: "acme" };
    assert.deepEqual(await transport.getChallenge({ username: "alice", cipherKey: "login:KE1" }, context), {
      challengeData: "Q0Q",
      protoVersion: "pv",
    });
    assert.deepEqual(
      await transport.authenticate(
        { username: "alice", cipherKey: "login:KE1", challengeId: "c-1", challengeData: "KE3", logData: { app: "x" } },
        { tenantId: "acme" },
      ),
      { nonce: "n-1", needVerify: false },
    );
    await transport.register({ username: "alice", email: "a@example.com", encryptedCommitment: "jwe", protoVersion: "pv" }, context);
    await transport.register({ username: "bob", encryptedCommitment: "jwe", protoVersion: "pv" }, {});
    await transport.requestResetPassword({ username: "alice", email: "a@example.com" }, { tenantId: "acme", clientId: "app" });
    await transport.resetPasswordCode({ code: "code", username: "alice", encryptedCommitment: "jwe", protoVersion: "pv" });
    await transport.verifyEmail("v/code");
    await transport.getJwks("acme");

    assert.deepEqual(
      recorded.map((r) => [r.method, r.url, r.body]),
      [
        ["POST", "/api/v1/auth/challenge?auth_req_id=ar+1&tenant_id=acme", { username: "alice", cipherKey: "login:KE1" }],
        [
          "POST",
          "/api/v1/auth/authenticate?tenant_id=acme",
          { username: "alice", cipherKey: "login:KE1", challenge_id: "c-1", challenge_data: "KE3", log_data: { app: "x" } },
        ],
        [
          "POST",
          "/api/v1/auth/register?auth_req_id=ar+1&tenant_id=acme",
          { username: "alice", email: "a@example.com", encrypted_commitment: "jwe", proto_version: "pv" },
        ],
        ["POST", "/api/v1/auth/register", { username: "bob", encrypted_commitment: "jwe", proto_version: "pv" }],
        ["POST", "/api/v1/auth/reset-password?tenant_id=acme&client_id=app", { username: "alice", email: "a@example.com" }],
        ["POST", "/api/v1/auth/reset-password/code", { code: "code", username: "alice", encrypted_commitment: "jwe", proto_version: "pv" }],
        ["GET", "/api/v1/auth/verify-email?code=v%2Fcode", undefined],
        ["GET", "/acme/.well-known/jwks.json", undefined],
      ],
    );
    for (const r of recorded) {
      assert.equal(r.headers["x-api-key"], undefined);
      assert.equal(r.headers.authorization, undefined);
      assert.equal(r.headers["content-type"], r.body === undefined ? undefined : "application/json");
    }
  });

  it("sends X-API-Key or Authorization: Bearer with Change Password and Aux Challenge only", async () => {
    const recorded: Recorded[] = [];
    const withKey = new RestTransport({ baseUrl: "https://id.example.com", apiKey: "key-1", fetch: recordingFetch(recorded, okServer) });
    await withKey.auxChallenge({ cipherKey: "register:Req" });
    await withKey.changePassword({ encryptedCommitment: "jwe", protoVersion: "pv", logData: { a: 1 } });
    await withKey.verifyEmail("c");
    const withToken = new RestTransport({
      baseUrl: "https://id.example.com",
      accessToken: "tok",
      fetch: recordingFetch(recorded, okServer),
    });
    await withToken.changePassword({ encryptedCommitment: "jwe", protoVersion: "pv" });
    assert.deepEqual(
      recorded.map((r) => [r.url, r.body, r.headers["x-api-key"], r.headers.authorization]),
      [
        ["/api/v1/auth/aux-challenge", { cipherKey: "register:Req" }, "key-1", undefined],
        ["/api/v1/auth/change-password", { encrypted_commitment: "jwe", proto_version: "pv", log_data: { a: 1 } }, "key-1", undefined],
        ["/api/v1/auth/verify-email?code=c", undefined, undefined, undefined],
        ["/api/v1/auth/change-password", { encrypted_commitment: "jwe", proto_version: "pv" }, undefined, "Bearer tok"],
      ],
    );
  });

  it("turns error answers into SvaultAuthError", async () => {
    const cases: [Response, Partial<SvaultAuthError>][] = [
      [json({ detail: "Invalid username or secret" }, 401), { status: 401, detail: "Invalid username or secret", retryAfter: undefined }],
      [json({ detail: "Too many attempts" }, 429, { "retry-after": "16" }), { status: 429, detail: "Too many attempts", retryAfter: 16 }],
      [json({ detail: "The username is taken" }, 409), { status: 409, detail: "The username is taken" }],
      [
        json({ detail: [{ loc: ["body", "proto_version"], msg: "unsupported", type: "value_error" }] }, 422),
        {
          status: 422,
          detail: "body.proto_version: unsupported",
          violations: [{ loc: ["body", "proto_version"], msg: "unsupported", type: "value_error" }],
        },
      ],
      [json({ error: "invalid_request", error_description: "unknown tenant" }, 400), { status: 400, detail: "unknown tenant" }],
      [
        new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
        { status: 502, detail: "<html>bad gateway</html>" },
      ],
      [new Response("", { status: 503, statusText: "Service Unavailable" }), { status: 503, detail: "Service Unavailable" }],
    ];
    for (const [response, expected] of cases) {
      const transport = new RestTransport({ baseUrl: "https://id.example.com", fetch: async () => response });
      await assert.rejects(transport.getChallenge({ username: "a", cipherKey: "login:AA" }, {}), (error: unknown) => {
        assert.ok(error instanceof SvaultAuthError);
        for (const [key, value] of Object.entries(expected)) assert.deepEqual(error[key as keyof SvaultAuthError], value, key);
        return true;
      });
    }
  });

  it("ignores the body of operations that return nothing: null, {} or none", async () => {
    for (const answer of [() => json(null), () => json({}), () => new Response(null, { status: 200 })]) {
      const transport = new RestTransport({ baseUrl: "https://id.example.com", accessToken: "tok", fetch: async () => answer() });
      await transport.register({ username: "bob", encryptedCommitment: "jwe", protoVersion: "pv" }, {});
      await transport.requestResetPassword({ username: "bob", email: "b@example.com" }, {});
      await transport.resetPasswordCode({ code: "c", username: "bob", encryptedCommitment: "jwe", protoVersion: "pv" });
      await transport.changePassword({ encryptedCommitment: "jwe", protoVersion: "pv" });
      await transport.verifyEmail("c");
    }
  });

  it("refuses a 2xx answer without the expected members", async () => {
    const transport = new RestTransport({ baseUrl: "https://id.example.com", fetch: async () => json({ nonce: "" }) });
    await assert.rejects(
      transport.authenticate({ username: "a", cipherKey: "login:AA", challengeId: "c", challengeData: "AA" }, {}),
      (error: unknown) => error instanceof SvaultAuthError && error.status === 502,
    );
    await assert.rejects(transport.getChallenge({ username: "a", cipherKey: "login:AA" }, {}), /lacks challenge_data/);
    const answersNull = new RestTransport({ baseUrl: "https://id.example.com", fetch: async () => json(null) });
    await assert.rejects(answersNull.getChallenge({ username: "a", cipherKey: "login:AA" }, {}), /answered no JSON object/);
    await assert.rejects(answersNull.getJwks("acme"), (error: unknown) => error instanceof SvaultAuthError && error.status === 502);
  });
});
