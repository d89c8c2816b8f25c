// A signing-key rotation (Rotate Tenant Key) as relying parties see it (KEY_PUBLISH_LEAD_SECONDS=0,
// so the new key signs at once): tokens signed before keep working at userinfo, as refresh tokens and as
// id_token_hint, and keep verifying against the JWKS fetched after the rotation, which lists both
// kids; tokens minted afterwards carry the new kid. The other algorithm's key is untouched.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, type JWK, jwtVerify } from "jose";
import * as oidc from "openid-client";
import type { TenantKeyAlg } from "../../src/crypto/tenant-keys.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { Browser, browserLogin, discover, pkcePair, REDIRECT_URI, type RelyingParty, send, setUpTenant } from "./support.js";

const TENANT = "rot";
const BYE = "http://localhost:4000/bye";

let server: TestServer;
let issuer: string;
const parties = new Map<TenantKeyAlg, RelyingParty>();

before(async () => {
  server = await startTestServer({ env: { KEY_PUBLISH_LEAD_SECONDS: "0" } });
  issuer = `${server.config.publicUrl}/${TENANT}`;
  const { clientSecret } = await setUpTenant(server, TENANT, { clientId: "ed-app", singAlg: "EdDSA" });
  const rsa = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: TENANT,
    client_id: "rsa-app",
    name: "rsa-app",
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uri: [BYE],
    sing_alg: "RS256",
    flow: { grant_types: ["authorization_code", "refresh_token", "client_credentials"] },
  });
  assert.equal(rsa.status, 201, JSON.stringify(rsa.body));
  parties.set("EdDSA", await discover(server, issuer, "ed-app", clientSecret));
  parties.set("RS256", await discover(server, issuer, "rsa-app", (rsa.body as { client_secret: string }).client_secret));
});
after(() => server.close());

async function jwks(path = `/${TENANT}/.well-known/jwks.json`): Promise<JWK[]> {
  const res = await send(`${server.baseUrl}${path}`);
  assert.equal(res.status, 200);
  return (res.body as { keys: JWK[] }).keys;
}

const kidsOf = (keys: JWK[], alg: string) =>
  keys
    .filter((k) => k.alg === alg)
    .map((k) => k.kid as string)
    .sort();
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid as string;

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await send(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

async function signIn(rp: RelyingParty, browser: Browser): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
  });
  const callback = await browserLogin(server, browser, url, TENANT);
  return oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
}

for (const [alg, other] of [
  ["EdDSA", "RS256"],
  ["RS256", "EdDSA"],
] as const) {
  describe(`rotating the ${alg} key`, () => {
    it("keeps old tokens valid, publishes both kids, and signs new tokens with the new key", async () => {
      const rp = parties.get(alg) as RelyingParty;
      const browser = new Browser();
      const before = await signIn(rp, browser);
      const oldKid = kidOf(before.access_token);
      assert.equal(kidOf(before.id_token as string), oldKid);
      const keysBefore = await jwks();
      assert.deepEqual(kidsOf(keysBefore, alg), [oldKid]);
      const otherKids = kidsOf(keysBefore, other);

      const rotated = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/keys/rotate`, { alg });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const newKid = (rotated.body as { key: { kid: string; state: string } }).key.kid;
      assert.equal((rotated.body as { key: { state: string } }).key.state, "active", "no publish lead: it signs at once");
      assert.notEqual(newKid, oldKid);

      // The JWKS fetched after the rotation lists both keys, on both paths.
      const keysAfter = await jwks();
      assert.deepEqual(kidsOf(keysAfter, alg), [oldKid, newKid].sort());
      assert.deepEqual(kidsOf(keysAfter, other), otherKids, `the ${other} key is untouched`);
      assert.deepEqual(await jwks(`/oidc/${TENANT}/.well-known/jwks.json`), keysAfter);
      const newKey = keysAfter.find((k) => k.kid === newKid) as JWK;
      assert.equal(newKey.use, "sig");
      if (alg === "RS256") assert.ok(Array.isArray(newKey.x5c) && newKey.x5c.length > 0, "the new RSA key has x5c");
      const keySet = createLocalJWKSet({ keys: keysAfter } as JSONWebKeySet);

      // Tokens signed before the rotation still verify and still work.
      await jwtVerify(before.id_token as string, keySet, { issuer, audience: rp.clientId, algorithms: [alg] });
      await jwtVerify(before.access_token, keySet, { issuer, audience: issuer, typ: "at+jwt", algorithms: [alg] });
      assert.equal(await userinfoStatus(before.access_token), 200, "an access token signed before the rotation");

      // New tokens carry the new kid and verify against the same JWKS.
      const refreshed = await oidc.refreshTokenGrant(rp.config, before.refresh_token as string);
      assert.equal(kidOf(refreshed.access_token), newKid);
      assert.equal(kidOf(refreshed.id_token as string), newKid);
      await jwtVerify(refreshed.id_token as string, keySet, { issuer, audience: rp.clientId, algorithms: [alg] });
      assert.equal(await userinfoStatus(refreshed.access_token), 200);

      const sso = await signIn(rp, browser);
      assert.equal(kidOf(sso.access_token), newKid);
      assert.equal(kidOf(sso.id_token as string), newKid);
      const machine = await oidc.clientCredentialsGrant(rp.config);
      assert.equal(kidOf(machine.access_token), newKid);

      // The old ID token is still a valid id_token_hint.
      const logout = oidc.buildEndSessionUrl(rp.config, {
        id_token_hint: before.id_token as string,
        post_logout_redirect_uri: BYE,
        state: "r",
      });
      assert.equal((await browser.redirectOf(logout.toString())).toString(), `${BYE}?state=r`);
      assert.equal(await userinfoStatus(sso.access_token), 401, "the session ended");
    });
  });
}
