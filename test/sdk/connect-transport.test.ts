// ConnectTransport against fake AuthService/OidcService handlers (createRouterTransport): the
// request mapping, the caller's credentials as metadata, and ConnectError → SvaultAuthError.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type HandlerContext } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { ConnectTransport, statusOfConnectCode } from "../../src/sdk/connect-transport.js";
import { SvaultAuthError } from "../../src/sdk/errors.js";

interface Seen {
  method: string;
  request: unknown;
  apiKey: string | null;
  authorization: string | null;
}

function fakeServer(seen: Seen[]) {
  const note = (method: string, request: unknown, ctx: HandlerContext) =>
    seen.push({ method, request, apiKey: ctx.requestHeader.get("x-api-key"), authorization: ctx.requestHeader.get("authorization") });
  return createRouterTransport((router) => {
    router.service(AuthService, {
      getChallenge(request, ctx) {
        note("getChallenge", request, ctx);
        return { challengeData: "Q0Q", protoVersion: "pv" };
      },
      authenticate(request, ctx) {
        note("authenticate", request, ctx);
        return { nonce: "n-1", needVerify: true };
      },
      register(request, ctx) {
        note("register", request, ctx);
        return {};
      },
      requestResetPassword(request, ctx) {
        note("requestResetPassword", request, ctx);
        return {};
      },
      resetPasswordCode(request, ctx) {
        note("resetPasswordCode", request, ctx);
        return {};
      },
      changePassword(request, ctx) {
        note("changePassword", request, ctx);
        return {};
      },
      auxChallenge(request, ctx) {
        note("auxChallenge", request, ctx);
        return { challengeData: "QXV4", protoVersion: "pv2" };
      },
      verifyEmail(request, ctx) {
        note("verifyEmail", request, ctx);
        return {};
      },
    });
    router.service(OidcService, {
      getJwks(request, ctx) {
        note("getJwks", request, ctx);
        return { keys: [{ kty: "OKP", crv: "X25519", x: "AA", kid: "e", use: "enc" }] };
      },
    });
  });
}

/** A transport whose every AuthService method throws `error`. */
function failingServer(error: ConnectError) {
  return createRouterTransport((router) => {
    router.service(AuthService, {
      getChallenge() {
        throw error;
      },
    });
  });
}

const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === "$typeName" ? undefined : v)));

describe("ConnectTransport", () => {
  it("maps every operation onto the proto messages", async () => {
    const seen: Seen[] = [];
    const transport = new ConnectTransport({ transport: fakeServer(seen) });
    const context = { authReqId: "ar-1", tenantId: "acme" };
    assert.deepEqual(await transport.getChallenge({ username: "alice", cipherKey: "login:KE1" }, context), {
      challengeData: "Q0Q",
      protoVersion: "pv",
    });
    assert.deepEqual(
      await transport.authenticate(
        { username: "alice", cipherKey: "login:KE1", challengeId: "c-1", challengeData: "KE3", logData: { app: "x" } },
        { tenantId: "acme" },
      ),
      { nonce: "n-1", needVerify: true },
    );
    await transport.register({ username: "alice", encryptedCommitment: "jwe", protoVersion: "pv" }, context);
    await transport.requestResetPassword({ username: "alice", email: "a@example.com" }, { tenantId: "acme", clientId: "app" });
    await transport.resetPasswordCode({ code: "code", username: "alice", encryptedCommitment: "jwe", protoVersion: "pv" });
    await transport.verifyEmail("vcode");
    assert.deepEqual(await transport.getJwks("acme"), { keys: [{ kty: "OKP", crv: "X25519", x: "AA", kid: "e", use: "enc" }] });

    assert.deepEqual(
      seen.map((s) => [s.method, plain(s.request)]),
      [
        ["getChallenge", { authReqId: "ar-1", tenantId: "acme", challenge: { username: "alice", cipherKey: "login:KE1" } }],
        [
          "authenticate",
          {
            authReqId: "",
            tenantId: "acme",
            proof: { username: "alice", cipherKey: "login:KE1", challengeId: "c-1", challengeData: "KE3", logData: { app: "x" } },
          },
        ],
        [
          "register",
          {
            authReqId: "ar-1",
            tenantId: "acme",
            registration: { username: "alice", email: "", encryptedCommitment: "jwe", protoVersion: "pv" },
          },
        ],
        ["requestResetPassword", { clientId: "app", tenantId: "acme", account: { username: "alice", email: "a@example.com" } }],
        ["resetPasswordCode", { code: "code", username: "alice", encryptedCommitment: "jwe", protoVersion: "pv" }],
        ["verifyEmail", { code: "vcode" }],
        ["getJwks", { tenantId: "acme" }],
      ],
    );
    assert.ok(
      seen.every((s) => s.apiKey === null && s.authorization === null),
      "no credentials on anonymous calls",
    );
  });

  it("sends the API key or the access token with Change Password and Aux Challenge", async () => {
    const seen: Seen[] = [];
    const withKey = new ConnectTransport({ transport: fakeServer(seen), apiKey: "key-1" });
    assert.deepEqual(await withKey.auxChallenge({ cipherKey: "register:Req" }), { challengeData: "QXV4", protoVersion: "pv2" });
    await withKey.changePassword({ encryptedCommitment: "jwe", protoVersion: "pv", logData: { a: 1 } });
    const withToken = new ConnectTransport({ transport: fakeServer(seen), accessToken: "tok-1" });
    await withToken.changePassword({ encryptedCommitment: "jwe", protoVersion: "pv" });
    assert.deepEqual(
      seen.map((s) => [s.method, plain(s.request), s.apiKey, s.authorization]),
      [
        ["auxChallenge", { cipherKey: "register:Req" }, "key-1", null],
        ["changePassword", { encryptedCommitment: "jwe", protoVersion: "pv", logData: { a: 1 } }, "key-1", null],
        ["changePassword", { encryptedCommitment: "jwe", protoVersion: "pv" }, null, "Bearer tok-1"],
      ],
    );
  });

  it("maps ConnectError codes to HTTP-like statuses", async () => {
    const expected: [Code, number][] = [
      [Code.Unauthenticated, 401],
      [Code.ResourceExhausted, 429],
      [Code.InvalidArgument, 422],
      [Code.AlreadyExists, 409],
      [Code.NotFound, 404],
      [Code.PermissionDenied, 403],
      [Code.FailedPrecondition, 400],
      [Code.Unimplemented, 501],
      [Code.Internal, 500],
      [Code.Unavailable, 503],
    ];
    for (const [code, status] of expected) {
      assert.equal(statusOfConnectCode(code), status);
      const transport = new ConnectTransport({ transport: failingServer(new ConnectError(`failure ${Code[code]}`, code)) });
      await assert.rejects(transport.getChallenge({ username: "a", cipherKey: "login:AA" }, {}), (error: unknown) => {
        assert.ok(error instanceof SvaultAuthError);
        assert.equal(error.status, status, Code[code]);
        assert.equal(error.detail, `failure ${Code[code]}`);
        assert.equal(error.retryAfter, undefined);
        assert.ok(error.cause instanceof ConnectError);
        return true;
      });
    }
  });

  it("carries Retry-After and field violations", async () => {
    const throttled = new ConnectError("Too many attempts", Code.ResourceExhausted, { "retry-after": "32" });
    await assert.rejects(
      new ConnectTransport({ transport: failingServer(throttled) }).getChallenge({ username: "a", cipherKey: "login:AA" }, {}),
      (error: unknown) => error instanceof SvaultAuthError && error.status === 429 && error.retryAfter === 32,
    );
    const invalid = new ConnectError("challenge.username: too long", Code.InvalidArgument, undefined, [
      {
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: [{ field: "challenge.username", description: "too long", reason: "string_too_long" }],
        }),
      },
    ]);
    await assert.rejects(
      new ConnectTransport({ transport: failingServer(invalid) }).getChallenge({ username: "a", cipherKey: "login:AA" }, {}),
      (error: unknown) => {
        assert.ok(error instanceof SvaultAuthError);
        assert.equal(error.status, 422);
        assert.deepEqual(error.violations, [{ loc: ["challenge", "username"], msg: "too long", type: "string_too_long" }]);
        return true;
      },
    );
  });

  it("answers Unimplemented methods as 501", async () => {
    const transport = new ConnectTransport({ transport: failingServer(new ConnectError("x", Code.Internal)) });
    await assert.rejects(transport.verifyEmail("c"), (error: unknown) => error instanceof SvaultAuthError && error.status === 501);
  });
});
