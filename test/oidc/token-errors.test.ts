// The token endpoint's refusals (RFC 6749 §5.2, RFC 7636, RFC 9700) as clients see them, on
// `{issuer}/token` and `/oidc/token` (tenant in the form): client authentication, code binding
// (PKCE, redirect URI, client, tenant, expiry, single use with replay revocation), refresh-token
// rotation with reuse detection, grant permissions. Every error is exactly `{error,
// error_description}` with `Cache-Control: no-store`. Tokens stay in their tenant: at another
// tenant's userinfo and admin API they are refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { hashSecret } from "../../src/crypto/secret-hash.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  assertOAuthError,
  authorizeUrl,
  Browser,
  basicAuth,
  browserLogin,
  discover,
  pkcePair,
  REDIRECT_URI,
  type RawAnswer,
  type RelyingParty,
  send,
  setUpTenant,
} from "./support.js";

const A = "tok-a";
const B = "tok-b";

let server: TestServer;
let issuerA: string;
let issuerB: string;
const secrets = new Map<string, string>();
const browserA = new Browser();
const browserB = new Browser();

before(async () => {
  server = await startTestServer();
  secrets.set(`${A}/webapp`, (await setUpTenant(server, A, { clientId: "webapp" })).clientSecret as string);
  secrets.set(`${B}/webapp`, (await setUpTenant(server, B, { clientId: "webapp" })).clientSecret as string);
  for (const client of [
    { client_id: "other" },
    { client_id: "codeonly", flow: { grant_types: ["authorization_code"] } },
    { client_id: "spa", client_type: "public" },
  ]) {
    const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      tenant_id: A,
      name: client.client_id,
      redirect_uris: [REDIRECT_URI],
      ...client,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const secret = (created.body as { client_secret?: string }).client_secret;
    if (secret) secrets.set(`${A}/${client.client_id}`, secret);
  }
  issuerA = `${server.config.publicUrl}/${A}`;
  issuerB = `${server.config.publicUrl}/${B}`;
});
after(() => server.close());

const secretOf = (clientId: string, tenantId = A) => secrets.get(`${tenantId}/${clientId}`) as string;

/** A code for `clientId` (the browser signs in once, then single sign-on). `challenge: null` sends no PKCE. */
async function codeFor(
  clientId: string,
  options: { challenge?: string | null; tenantId?: string; scope?: string } = {},
): Promise<{ code: string; callback: URL; verifier: string }> {
  const tenantId = options.tenantId ?? A;
  const { verifier, challenge } = await pkcePair();
  const sent = options.challenge === undefined ? challenge : options.challenge;
  const url = authorizeUrl(tenantId === A ? issuerA : issuerB, {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: options.scope ?? "openid profile offline_access",
    state: "st",
    ...(sent ? { code_challenge: sent, code_challenge_method: "S256" } : {}),
  });
  const callback = await browserLogin(server, tenantId === A ? browserA : browserB, url, tenantId);
  const code = callback.searchParams.get("code");
  assert.ok(code, `a code: ${callback}`);
  return { code, callback, verifier };
}

/** POSTs the token endpoint: `{issuer}/token`, or `/oidc/token` with tenant_id in the form when `viaOidcPath`. */
function token(form: Record<string, string>, headers: Record<string, string> = {}, tenantId = A, viaOidcPath = false): Promise<RawAnswer> {
  const url = viaOidcPath ? `${server.baseUrl}/oidc/token` : `${tenantId === A ? issuerA : issuerB}/token`;
  return send(url, { form: viaOidcPath ? { tenant_id: tenantId, ...form } : form, headers });
}

/** The token request of a confidential client of tenant A with client_secret_basic. */
function tokenAs(clientId: string, form: Record<string, string>, tenantId = A): Promise<RawAnswer> {
  return token(form, { authorization: basicAuth(clientId, secretOf(clientId, tenantId)) }, tenantId);
}

function redeem(code: string, verifier: string, clientId = "webapp", extra: Record<string, string> = {}): Promise<RawAnswer> {
  return tokenAs(clientId, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier, ...extra });
}

function userinfo(accessToken: string, path = `/${A}/userinfo`): Promise<RawAnswer> {
  return send(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

async function rp(): Promise<RelyingParty> {
  return discover(server, issuerA, "webapp", secretOf("webapp"));
}

describe("client authentication", () => {
  it("a wrong secret is 401 invalid_client with WWW-Authenticate: Basic, on both paths and both methods", async () => {
    const form = { grant_type: "client_credentials" };
    assertOAuthError(await token(form, { authorization: basicAuth("webapp", "wrong") }), 401, "invalid_client", "basic");
    assertOAuthError(await token(form, { authorization: basicAuth("webapp", "wrong") }, A, true), 401, "invalid_client", "/oidc/token");
    assertOAuthError(await token({ ...form, client_id: "webapp", client_secret: "wrong" }), 401, "invalid_client", "post");
    assertOAuthError(await token({ ...form, client_id: "webapp", client_secret: "wrong" }, {}, A, true), 401, "invalid_client", "post");
    assertOAuthError(await token({ ...form, client_id: "webapp" }), 401, "invalid_client", "no secret");
    assertOAuthError(await token(form, { authorization: basicAuth("nobody", "x") }), 401, "invalid_client", "unknown client");
    assertOAuthError(await token(form, { authorization: basicAuth("webapp", secretOf("webapp", B)) }), 401, "invalid_client", "B's secret");
    // The right secret works on both paths, both methods.
    const ok = await token(form, { authorization: basicAuth("webapp", secretOf("webapp")) }, A, true);
    assert.equal(ok.status, 200);
    // RFC 6749 §5.1: members that do not apply are absent, not null.
    assert.ok(!("refresh_token" in (ok.body as object)) && !("id_token" in (ok.body as object)), JSON.stringify(ok.body));
    assert.equal((await token({ ...form, client_id: "webapp", client_secret: secretOf("webapp") })).status, 200);
  });

  it("openid-client sees the same refusal", async () => {
    const wrong = await discover(server, issuerA, "webapp", "wrong-secret");
    await assert.rejects(oidc.clientCredentialsGrant(wrong.config), (error: unknown) => {
      assert.ok(error instanceof oidc.WWWAuthenticateChallengeError || error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.status, 401);
      return true;
    });
  });

  it("both client_secret_basic and client_secret_post is invalid_request", async () => {
    const res = await token(
      { grant_type: "client_credentials", client_id: "webapp", client_secret: secretOf("webapp") },
      { authorization: basicAuth("webapp", secretOf("webapp")) },
    );
    assertOAuthError(res, 400, "invalid_request");
  });

  it("a public client sending a secret is refused", async () => {
    const { code, verifier } = await codeFor("spa");
    const res = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: "spa",
      client_secret: "x",
    });
    assertOAuthError(res, 401, "invalid_client");
  });
});

describe("authorization codes", () => {
  it("a PKCE mismatch is invalid_grant and burns nothing: the right verifier still redeems the code, once", async () => {
    const { code, verifier } = await codeFor("webapp");
    const { verifier: wrong } = await pkcePair();
    assertOAuthError(await redeem(code, wrong), 400, "invalid_grant");
    assert.equal((await redeem(code, verifier)).status, 200, "the rightful client, with the right verifier");
    assertOAuthError(await redeem(code, verifier), 400, "invalid_grant", "used");
  });

  it("openid-client gets invalid_grant for a PKCE mismatch", async () => {
    const { callback } = await codeFor("webapp");
    const { verifier: wrong } = await pkcePair();
    await assert.rejects(
      oidc.authorizationCodeGrant((await rp()).config, callback, { pkceCodeVerifier: wrong, expectedState: "st" }),
      (error: unknown) => error instanceof oidc.ResponseBodyError && error.error === "invalid_grant" && error.status === 400,
    );
  });

  it("a missing code_verifier when the request had a challenge is invalid_grant", async () => {
    const { code } = await codeFor("webapp");
    assertOAuthError(await tokenAs("webapp", { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }), 400, "invalid_grant");
  });

  it("a code_verifier when the request had no challenge is invalid_grant", async () => {
    const { code } = await codeFor("webapp", { challenge: null });
    const { verifier } = await pkcePair();
    assertOAuthError(await redeem(code, verifier), 400, "invalid_grant");
  });

  it("a confidential client may go without PKCE, and then needs no verifier", async () => {
    const { code } = await codeFor("webapp", { challenge: null });
    const res = await tokenAs("webapp", { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it("a wrong or missing redirect_uri is invalid_grant, and leaves the code for the right one", async () => {
    const first = await codeFor("webapp");
    assertOAuthError(
      await redeem(first.code, first.verifier, "webapp", { redirect_uri: "http://localhost:4000/other" }),
      400,
      "invalid_grant",
    );
    const second = await codeFor("webapp");
    const res = await tokenAs("webapp", { grant_type: "authorization_code", code: second.code, code_verifier: second.verifier });
    assertOAuthError(res, 400, "invalid_grant");
    assert.equal((await redeem(first.code, first.verifier)).status, 200);
    assert.equal((await redeem(second.code, second.verifier)).status, 200);
  });

  it("a replayed code is invalid_grant and kills the tokens of the first exchange", async () => {
    const relyingParty = await rp();
    const { code, callback, verifier } = await codeFor("webapp");
    const tokens = await oidc.authorizationCodeGrant(relyingParty.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
    assert.equal((await userinfo(tokens.access_token)).status, 200, "the first exchange works");

    const replay = await redeem(code, verifier);
    assertOAuthError(replay, 400, "invalid_grant", "replay");
    assertOAuthError(await userinfo(tokens.access_token), 401, "invalid_token", "access token of the replayed code");
    assertOAuthError(
      await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: tokens.refresh_token as string }),
      400,
      "invalid_grant",
      "refresh token of the replayed code",
    );
    await assert.rejects(oidc.fetchUserInfo(relyingParty.config, tokens.access_token, oidc.skipSubjectCheck));
  });

  it("an expired code is invalid_grant", async () => {
    const { code, verifier } = await codeFor("webapp");
    await server.running.database.orm.em
      .getConnection()
      .execute("update authorization_code set expires_at = now() - interval '1 second' where hash = ?", [hashSecret(code)], "run");
    assertOAuthError(await redeem(code, verifier), 400, "invalid_grant");
  });

  it("a code of client A used by client B is invalid_grant, and does not burn A's code", async () => {
    const { code, verifier } = await codeFor("webapp");
    assertOAuthError(await redeem(code, verifier, "other"), 400, "invalid_grant");
    assert.equal((await redeem(code, verifier)).status, 200, "the rightful client still redeems it");
  });

  it("a code of tenant A redeemed at tenant B is invalid_grant", async () => {
    const { code, verifier } = await codeFor("webapp");
    const res = await tokenAs("webapp", { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, B);
    assertOAuthError(res, 400, "invalid_grant");
  });

  it("an unknown code, or none, is refused", async () => {
    const { verifier } = await pkcePair();
    assertOAuthError(await redeem("not-a-code", verifier), 400, "invalid_grant");
    assertOAuthError(await tokenAs("webapp", { grant_type: "authorization_code", redirect_uri: REDIRECT_URI }), 400, "invalid_request");
  });
});

describe("refresh tokens", () => {
  it("reusing a rotated refresh token (its successor used) is invalid_grant and revokes the whole family", async () => {
    const { code, verifier } = await codeFor("webapp");
    const first = (await redeem(code, verifier)).body as Tokens;
    const rotated = await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: first.refresh_token });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual((rotated.body as Tokens).refresh_token, first.refresh_token);
    // The successor is used: the reuse grace for a lost answer (docs/oidc.md) is over.
    const used = await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: (rotated.body as Tokens).refresh_token });
    assert.equal(used.status, 200, JSON.stringify(used.body));
    const second = used.body as Tokens;

    assertOAuthError(
      await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: first.refresh_token }),
      400,
      "invalid_grant",
      "reuse",
    );
    assertOAuthError(
      await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: second.refresh_token }),
      400,
      "invalid_grant",
      "the newest token of the family",
    );
    assertOAuthError(await userinfo(second.access_token), 401, "invalid_token", "the family's access token");
  });

  it("openid-client sees the reuse as invalid_grant", async () => {
    const relyingParty = await rp();
    const { callback, verifier } = await codeFor("webapp");
    const tokens = await oidc.authorizationCodeGrant(relyingParty.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
    const successor = await oidc.refreshTokenGrant(relyingParty.config, tokens.refresh_token as string);
    const refreshed = await oidc.refreshTokenGrant(relyingParty.config, successor.refresh_token as string);
    await assert.rejects(
      oidc.refreshTokenGrant(relyingParty.config, tokens.refresh_token as string),
      (error: unknown) => error instanceof oidc.ResponseBodyError && error.error === "invalid_grant",
    );
    await assert.rejects(oidc.refreshTokenGrant(relyingParty.config, refreshed.refresh_token as string));
  });

  it("a refresh token of another client or another tenant is invalid_grant; a wider scope is invalid_scope", async () => {
    const { code, verifier } = await codeFor("webapp", { scope: "openid offline_access" });
    const tokens = (await redeem(code, verifier)).body as Tokens;
    assertOAuthError(await tokenAs("other", { grant_type: "refresh_token", refresh_token: tokens.refresh_token }), 400, "invalid_grant");
    const stillMine = await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    assert.equal(stillMine.status, 200, "another client cannot burn the token or its family");
    const other = await codeFor("webapp", { scope: "openid offline_access" });
    const otherTokens = (await redeem(other.code, other.verifier)).body as Tokens;
    assertOAuthError(
      await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: otherTokens.refresh_token }, B),
      400,
      "invalid_grant",
    );
    const third = await codeFor("webapp", { scope: "openid offline_access" });
    const thirdTokens = (await redeem(third.code, third.verifier)).body as Tokens;
    assertOAuthError(
      await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: thirdTokens.refresh_token, scope: "openid profile" }),
      400,
      "invalid_scope",
    );
  });
});

describe("revocation (RFC 7009)", () => {
  it("answers 200 with the JSON null for a live token and for an unknown one; the revoked token is dead", async () => {
    const { code, verifier } = await codeFor("webapp");
    const tokens = (await redeem(code, verifier)).body as Tokens;
    const revoke = (token: string) =>
      send(`${issuerA}/revoke`, { form: { token }, headers: { authorization: basicAuth("webapp", secretOf("webapp")) } });
    for (const res of [await revoke(tokens.refresh_token), await revoke("no-such-token")]) {
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(res.body, null);
    }
    assertOAuthError(await tokenAs("webapp", { grant_type: "refresh_token", refresh_token: tokens.refresh_token }), 400, "invalid_grant");
  });
});

describe("grant types", () => {
  it("an unsupported grant_type is unsupported_grant_type", async () => {
    for (const grantType of ["password", "urn:ietf:params:oauth:grant-type:device_code", "implicit"]) {
      assertOAuthError(await tokenAs("webapp", { grant_type: grantType }), 400, "unsupported_grant_type", grantType);
    }
    assertOAuthError(await tokenAs("webapp", {}), 400, "unsupported_grant_type", "no grant_type");
  });

  it("a grant the client is not allowed is unauthorized_client", async () => {
    assertOAuthError(await tokenAs("codeonly", { grant_type: "client_credentials" }), 400, "unauthorized_client");
    assertOAuthError(await tokenAs("codeonly", { grant_type: "refresh_token", refresh_token: "x" }), 400, "unauthorized_client");
  });

  it("a code-only client gets no refresh token", async () => {
    const { code, verifier } = await codeFor("codeonly");
    const res = await redeem(code, verifier, "codeonly");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as Partial<Tokens>).refresh_token, undefined);
  });

  it("client_credentials for a public client is refused", async () => {
    assertOAuthError(await token({ grant_type: "client_credentials", client_id: "spa" }), 400, "unauthorized_client");
    assertOAuthError(await token({ grant_type: "client_credentials", client_id: "spa" }, {}, A, true), 400, "unauthorized_client");
  });

  it("client_credentials with a user scope is invalid_scope", async () => {
    assertOAuthError(await tokenAs("webapp", { grant_type: "client_credentials", scope: "openid" }), 400, "invalid_scope");
  });
});

describe("tokens stay in their tenant", () => {
  let tokens: Tokens;
  before(async () => {
    const { code, verifier } = await codeFor("webapp");
    tokens = (await redeem(code, verifier)).body as Tokens;
  });

  it("at another tenant's userinfo a token is 401 invalid_token with WWW-Authenticate: Bearer", async () => {
    assert.equal((await userinfo(tokens.access_token, `/${A}/userinfo`)).status, 200, "its own tenant");
    assert.equal((await userinfo(tokens.access_token, "/oidc/userinfo")).status, 200, "the tenant-less path");
    for (const path of [`/${B}/userinfo`, `/oidc/${B}/userinfo`]) {
      const res = await userinfo(tokens.access_token, path);
      assertOAuthError(res, 401, "invalid_token", path);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token"/);
      const post = await send(`${server.baseUrl}${path}`, { form: { access_token: tokens.access_token } });
      assertOAuthError(post, 401, "invalid_token", `POST ${path}`);
    }
  });

  it("userinfo without a token, or with garbage, is 401 with WWW-Authenticate: Bearer", async () => {
    assertOAuthError(await send(`${issuerA}/userinfo`), 401, "invalid_token");
    assertOAuthError(await userinfo("not.a.jwt"), 401, "invalid_token");
    const [header, payload] = tokens.access_token.split(".");
    assertOAuthError(await userinfo(`${header}.${payload}.AAAA`), 401, "invalid_token", "bad signature");
  });

  it("as Bearer on another tenant's admin API a token gets no data", async () => {
    const own = await send(`${server.baseUrl}/api/v1/users/me/api-keys`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    for (const path of [`/api/v1/clients?tenant_id=${B}`, `/api/v1/api-keys?tenant_id=${B}`, `/api/v1/tenants/${B}`]) {
      const res = await send(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      // A plain user's token lacks the admin scopes (403) — and never sees tenant B's data.
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body as object), ["detail"], path);
    }
  });
});
