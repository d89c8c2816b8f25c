// Token introspection (RFC 7662) as a resource server sees it: openid-client's
// tokenIntrospection against discovery's `introspection_endpoint`, raw form POSTs on every issuer
// family (and `/oidc/introspect` with the tenant in the form), client_secret_basic/post and
// private_key_jwt (the token endpoint's client authentication), and a real @grpc/grpc-js client.
// An active token shows what it grants; revoked, expired, rotated, of a disabled user, of an
// ended session, of another tenant or unknown answers exactly `{"active": false}`.
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { SignJWT } from "jose";
import * as oidc from "openid-client";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { hashSecret } from "../../src/crypto/secret-hash.js";
import { rest } from "../support/fixtures.js";
import { createGrpcJsClient, type GrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { clientKeyPair, registerClient } from "./oauth4webapi-support.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import {
  assertOAuthError,
  authClient,
  authorizeUrl,
  Browser,
  basicAuth,
  browserLogin,
  discover,
  pkcePair,
  REDIRECT_URI,
  type RawAnswer,
  type RelyingParty,
  SECRET,
  send,
  setUpTenant,
} from "./support.js";

const A = "intro-a";
const B = "intro-b";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

let server: TestServer;
let issuerA: string;
let grpcClient: GrpcJsClient<typeof OidcService>;
let keys: Awaited<ReturnType<typeof clientKeyPair>>;
const secrets = new Map<string, string>();
const browser = new Browser();

before(async () => {
  server = await startTestServer();
  secrets.set(`${A}/webapp`, (await setUpTenant(server, A, { clientId: "webapp" })).clientSecret as string);
  secrets.set(`${B}/webapp`, (await setUpTenant(server, B, { clientId: "webapp" })).clientSecret as string);
  secrets.set(`${A}/api`, (await registerClient(server, A, "api")) as string);
  await registerClient(server, A, "spa", { client_type: "public", flow: { grant_types: ["authorization_code", "refresh_token"] } });
  keys = await clientKeyPair("ES256");
  await registerClient(server, A, "signed-rs", { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [keys.jwk] } });
  issuerA = `${server.config.publicUrl}/${A}`;
  grpcClient = createGrpcJsClient(OidcService, `127.0.0.1:${server.grpcPort}`);
});
after(async () => {
  grpcClient.close();
  await server.close();
});

const secretOf = (clientId: string, tenantId = A) => secrets.get(`${tenantId}/${clientId}`) as string;

interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Fresh tokens of alice for webapp through the code flow (the browser signs in once, then SSO). */
async function signIn(browserOf = browser, tenantId = A): Promise<Tokens> {
  const { verifier, challenge } = await pkcePair();
  const issuer = `${server.config.publicUrl}/${tenantId}`;
  const url = authorizeUrl(issuer, {
    response_type: "code",
    client_id: "webapp",
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const code = (await browserLogin(server, browserOf, url, tenantId)).searchParams.get("code") as string;
  const res = await send(`${issuer}/token`, {
    form: { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    headers: { authorization: basicAuth("webapp", secretOf("webapp", tenantId)) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Tokens;
}

/** Introspects at `{issuer}/introspect` of `tenantId` as `clientId` with client_secret_basic. */
function introspect(token: string, clientId = "api", tenantId = A, extra: Record<string, string> = {}): Promise<RawAnswer> {
  return send(`${server.config.publicUrl}/${tenantId}/introspect`, {
    form: { token, ...extra },
    headers: { authorization: basicAuth(clientId, secretOf(clientId, tenantId)) },
  });
}

function assertInactive(res: RawAnswer, context: string): void {
  assert.equal(res.status, 200, `${context}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, { active: false }, context);
  assert.match(res.headers.get("cache-control") ?? "", /no-store/, context);
}

function assertActive(res: RawAnswer, context: string): Record<string, unknown> {
  assert.equal(res.status, 200, `${context}: ${JSON.stringify(res.body)}`);
  const body = res.body as Record<string, unknown>;
  assert.equal(body.active, true, `${context}: ${JSON.stringify(body)}`);
  return body;
}

describe("discovery", () => {
  it("names the introspection endpoint of each issuer family and its authentication methods (no `none`)", async () => {
    for (const issuer of [issuerA, `${server.config.publicUrl}/oidc/${A}`]) {
      const doc = (await send(`${issuer}/.well-known/openid-configuration`)).body as Record<string, unknown>;
      assert.equal(doc.introspection_endpoint, `${issuer}/introspect`);
      assert.deepEqual(doc.introspection_endpoint_auth_methods_supported, ["client_secret_basic", "client_secret_post", "private_key_jwt"]);
      assert.ok(Array.isArray(doc.introspection_endpoint_auth_signing_alg_values_supported));
    }
  });
});

describe("active tokens", () => {
  it("openid-client introspects an access token and a refresh token of a signed-in user", async () => {
    const tokens = await signIn();
    const relyingParty: RelyingParty = await discover(server, issuerA, "webapp", secretOf("webapp"));
    const access = await oidc.tokenIntrospection(relyingParty.config, tokens.access_token);
    assert.equal(access.active, true);
    assert.equal(access.client_id, "webapp");
    assert.equal(access.username, "alice");
    assert.equal(access.token_type, "Bearer");
    assert.equal(access.iss, issuerA);
    assert.equal(access.aud, issuerA);
    assert.deepEqual(access.scope?.split(" ").sort(), ["offline_access", "openid", "profile"]);
    assert.ok(typeof access.sub === "string" && access.sub.length > 0);
    assert.ok(typeof access.exp === "number" && typeof access.iat === "number" && access.exp > access.iat);
    assert.ok(typeof access.jti === "string" && typeof access.sid === "string");

    const refresh = await oidc.tokenIntrospection(relyingParty.config, tokens.refresh_token, { token_type_hint: "refresh_token" });
    assert.equal(refresh.active, true);
    assert.equal(refresh.token_type, "refresh_token");
    assert.equal(refresh.client_id, "webapp");
    assert.equal(refresh.sub, access.sub);
    assert.equal(refresh.sid, access.sid);
    assert.equal(refresh.username, "alice");
  });

  it("answers the same on the alias issuer and on /oidc/introspect with the tenant in the form, with client_secret_post", async () => {
    const tokens = await signIn();
    const form = { token: tokens.access_token, client_id: "api", client_secret: secretOf("api") };
    assertActive(await send(`${server.config.publicUrl}/oidc/${A}/introspect`, { form }), "alias issuer");
    assertActive(await send(`${server.baseUrl}/oidc/introspect`, { form: { ...form, tenant_id: A } }), "/oidc/introspect");
  });

  it("a client_credentials token is active with the client as subject and no username", async () => {
    const issued = await send(`${issuerA}/token`, {
      form: { grant_type: "client_credentials" },
      headers: { authorization: basicAuth("webapp", secretOf("webapp")) },
    });
    const body = assertActive(await introspect((issued.body as Tokens).access_token), "client_credentials");
    assert.equal(body.sub, "webapp");
    assert.equal(body.client_id, "webapp");
    assert.ok(!("username" in body) && !("sid" in body), JSON.stringify(body));
  });

  it("a resource server authenticates with private_key_jwt", async () => {
    const tokens = await signIn();
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: keys.jwk.kid })
      .setIssuer("signed-rs")
      .setSubject("signed-rs")
      .setAudience(issuerA)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(keys.pair.privateKey);
    const form = { token: tokens.access_token, client_assertion_type: JWT_BEARER, client_assertion: assertion };
    assertActive(await send(`${issuerA}/introspect`, { form }), "private_key_jwt");
    // The assertion is single-use, as at the token endpoint.
    assertOAuthError(await send(`${issuerA}/introspect`, { form }), 401, "invalid_client", "replayed assertion");
  });

  it("over gRPC (@grpc/grpc-js) with the client credentials in the message", async () => {
    const tokens = await signIn();
    const answer = await grpcClient.rpc.introspect({
      tenantId: A,
      token: tokens.access_token,
      clientId: "api",
      clientSecret: secretOf("api"),
    });
    assert.equal(answer.active, true);
    assert.equal(answer.clientId, "webapp");
    assert.equal(answer.username, "alice");
    const inactive = await grpcClient.rpc.introspect({ tenantId: A, token: "nonsense", clientId: "api", clientSecret: secretOf("api") });
    assert.equal(inactive.active, false);
    assert.equal(inactive.clientId, undefined);
    await assert.rejects(
      grpcClient.rpc.introspect({ tenantId: A, token: tokens.access_token, clientId: "api", clientSecret: "wrong" }),
      (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED,
    );
  });
});

describe("inactive tokens", () => {
  it("unknown strings, revoked access tokens and revoked refresh families", async () => {
    assertInactive(await introspect("not-a-token"), "unknown opaque");
    assertInactive(await introspect("a.b.c"), "unknown JWT-shaped");
    const tokens = await signIn();
    const revoke = (token: string) =>
      send(`${issuerA}/revoke`, { form: { token }, headers: { authorization: basicAuth("webapp", secretOf("webapp")) } });
    assert.equal((await revoke(tokens.access_token)).status, 200);
    assertInactive(await introspect(tokens.access_token), "revoked access token");
    assertActive(await introspect(tokens.refresh_token, "webapp"), "its refresh token lives on");
    assert.equal((await revoke(tokens.refresh_token)).status, 200);
    assertInactive(await introspect(tokens.refresh_token, "webapp"), "revoked refresh token");
  });

  it("a rotated refresh token is inactive, its successor active", async () => {
    const tokens = await signIn();
    const rotated = await send(`${issuerA}/token`, {
      form: { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      headers: { authorization: basicAuth("webapp", secretOf("webapp")) },
    });
    assert.equal(rotated.status, 200);
    assertInactive(await introspect(tokens.refresh_token, "webapp"), "rotated");
    assertActive(await introspect((rotated.body as Tokens).refresh_token, "webapp"), "successor");
  });

  it("a refresh token is active only to its own client; an access token to any confidential client of the tenant", async () => {
    const tokens = await signIn();
    assertInactive(
      await introspect(tokens.refresh_token, "api", A, { token_type_hint: "refresh_token" }),
      "another client's refresh token",
    );
    assertActive(await introspect(tokens.access_token, "api"), "access token for a resource server");
  });

  it("expired: a refresh token past its expiry, an access token past its exp", async () => {
    const tokens = await signIn();
    await server.running.database.orm.em
      .getConnection()
      .execute(
        "update refresh_token set expires_at = now() - interval '1 second' where hash = ?",
        [hashSecret(tokens.refresh_token)],
        "run",
      );
    assertInactive(await introspect(tokens.refresh_token, "webapp"), "expired refresh token");
    // The server in this process reads the clock through Date: an hour on, the 10-minute token is past its exp.
    const fresh = await signIn();
    const hourLater = Date.now() + 3_600_000;
    mock.timers.enable({ apis: ["Date"], now: hourLater });
    try {
      assertInactive(await introspect(fresh.access_token), "expired access token");
    } finally {
      mock.timers.reset();
    }
    assertActive(await introspect(fresh.access_token), "the same token before its exp");
  });

  it("a disabled user's tokens and an ended session's tokens are inactive at once", async () => {
    await authClient(server, A).register({ username: "dora", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    const dora = await signInAs(new Browser(), "dora");
    const before = assertActive(await introspect(dora.access_token), "before disabling");
    const path = `/api/v1/tenants/${A}/users/${before.sub}`;
    const user = (await rest(server, server.adminKey, "GET", path)).body as Record<string, unknown>;
    const disabled = await rest(server, server.adminKey, "PUT", path, { ...user, is_disabled: true });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    assertInactive(await introspect(dora.access_token), "disabled user's access token");
    assertInactive(await introspect(dora.refresh_token, "webapp"), "disabled user's refresh token");

    const ended = await signIn(new Browser());
    const logout = await send(`${server.baseUrl}/api/v1/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${ended.access_token}` },
    });
    assert.equal(logout.status, 200, JSON.stringify(logout.body));
    assertInactive(await introspect(ended.access_token), "ended session's access token");
    assertInactive(await introspect(ended.refresh_token, "webapp"), "ended session's refresh token");
  });

  it("a token of tenant A introspected at tenant B is inactive", async () => {
    const tokens = await signIn();
    assertInactive(await introspect(tokens.access_token, "webapp", B), "A's access token at B");
    assertInactive(await introspect(tokens.refresh_token, "webapp", B), "A's refresh token at B");
    const atB = await signIn(new Browser(), B);
    assertActive(await introspect(atB.access_token, "webapp", B), "B's own token");
  });
});

describe("refusals", () => {
  it("without client authentication, with a wrong secret, or as a public client: 401 invalid_client; no token: 400", async () => {
    const tokens = await signIn();
    assertOAuthError(await send(`${issuerA}/introspect`, { form: { token: tokens.access_token } }), 401, "invalid_client", "none");
    assertOAuthError(
      await send(`${issuerA}/introspect`, { form: { token: tokens.access_token }, headers: { authorization: basicAuth("api", "wrong") } }),
      401,
      "invalid_client",
      "wrong secret",
    );
    assertOAuthError(
      await send(`${issuerA}/introspect`, { form: { token: tokens.access_token, client_id: "spa" } }),
      401,
      "invalid_client",
      "public client",
    );
    assertOAuthError(await introspect(""), 400, "invalid_request", "no token");
  });
});

/** Tokens of `username` for webapp, signed in through `browserOf`. */
async function signInAs(browserOf: Browser, username: string): Promise<Tokens> {
  const { verifier, challenge } = await pkcePair();
  const url = authorizeUrl(issuerA, {
    response_type: "code",
    client_id: "webapp",
    redirect_uri: REDIRECT_URI,
    scope: "openid offline_access",
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const code = (await browserLogin(server, browserOf, url, A, username)).searchParams.get("code") as string;
  const res = await send(`${issuerA}/token`, {
    form: { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    headers: { authorization: basicAuth("webapp", secretOf("webapp")) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Tokens;
}
