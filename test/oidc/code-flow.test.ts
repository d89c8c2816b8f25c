// An application using openid-client, end to end on both issuer families and both algorithms:
// discovery → authorize → login (SDK over the API, following the real redirects) → callback →
// token → userinfo → refresh → revoke → logout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeProtectedHeader } from "jose";
import * as oidc from "openid-client";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { Browser, browserLogin, discover, REDIRECT_URI, setUpTenant } from "./support.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

for (const [family, alg] of [
  ["standard", "EdDSA"],
  ["alias", "RS256"],
] as const) {
  describe(`code flow on the ${family} issuer with ${alg}`, () => {
    const tenantId = `flow-${family}`;
    let issuer: string;
    let secret: string | undefined;

    before(async () => {
      ({ clientSecret: secret } = await setUpTenant(server, tenantId, { clientId: "webapp", singAlg: alg }));
      issuer = family === "alias" ? `${server.config.publicUrl}/oidc/${tenantId}` : `${server.config.publicUrl}/${tenantId}`;
    });

    it("signs in, reads userinfo, refreshes, revokes and logs out", async () => {
      const rp = await discover(server, issuer, "webapp", secret);
      assert.equal(rp.config.serverMetadata().issuer, issuer);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const authUrl = oidc.buildAuthorizationUrl(rp.config, {
        redirect_uri: REDIRECT_URI,
        scope: "openid profile email offline_access",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      const browser = new Browser();
      const callback = await browserLogin(server, browser, authUrl, tenantId);
      assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
      assert.equal(callback.searchParams.get("iss"), issuer);
      assert.ok(
        [...browser.cookies.keys()].some((name) => name.includes("svault_session")),
        "session cookie set",
      );

      const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      assert.equal(decodeProtectedHeader(tokens.id_token as string).alg, alg);
      assert.equal(decodeProtectedHeader(tokens.access_token).typ, "at+jwt");
      const claims = tokens.claims();
      assert.ok(claims);
      assert.equal(claims.iss, issuer);
      assert.ok(claims.sid && claims.auth_time && claims.at_hash);

      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      assert.equal(info.sub, claims.sub);
      assert.equal(info.name, "alice");
      assert.equal(info.tenant_id, tenantId);

      const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "rotated");
      assert.equal((await oidc.fetchUserInfo(rp.config, refreshed.access_token, claims.sub)).sub, claims.sub);

      await oidc.tokenRevocation(rp.config, refreshed.refresh_token as string);
      await assert.rejects(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token as string));
      await assert.rejects(oidc.fetchUserInfo(rp.config, refreshed.access_token, claims.sub), "the family's access tokens die with it");

      // SSO: a second authorization goes straight back with a code.
      const again = await browserLogin(
        server,
        browser,
        oidc.buildAuthorizationUrl(rp.config, {
          redirect_uri: REDIRECT_URI,
          scope: "openid",
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state,
        }),
        tenantId,
      );
      assert.ok(again.searchParams.get("code"), "single sign-on");
      const second = await oidc.authorizationCodeGrant(rp.config, again, { pkceCodeVerifier: verifier, expectedState: state });

      const logoutUrl = oidc.buildEndSessionUrl(rp.config, {
        id_token_hint: second.id_token as string,
        post_logout_redirect_uri: "http://localhost:4000/bye",
        state: "bye-state",
      });
      const bye = await browser.redirectOf(logoutUrl.toString());
      assert.equal(bye.toString(), "http://localhost:4000/bye?state=bye-state");
      await assert.rejects(oidc.fetchUserInfo(rp.config, second.access_token, claims.sub), "the session ended");
    });

    it("client_credentials gives a token without a user", async () => {
      const rp = await discover(server, issuer, "webapp", secret);
      const tokens = await oidc.clientCredentialsGrant(rp.config);
      assert.equal(tokens.token_type, "bearer");
      assert.equal(tokens.id_token, undefined);
    });
  });
}
