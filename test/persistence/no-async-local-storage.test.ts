// The service never calls AsyncLocalStorage.run / enterWith (unit-of-work.ts, `transactional`;
// entity-rows.ts): on Node 20 the first call turns on promise hooks for the whole process for good,
// and every promise of every request pays for them (docs/performance.md, "Promise hooks off").
// The real server, from its start (bootstrap of an empty database) through a whole sign-in and the
// administrators' writes, with every AsyncLocalStorage call of the process counted.
import { alsCalls } from "../support/als-calls.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { Browser, browserLogin, discover, REDIRECT_URI, setUpTenant } from "../oidc/support.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const T = "no-als";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

/** Fails with where the calls came from, if any was made since the process started. */
function assertNoAlsCall(when: string): void {
  assert.deepEqual(alsCalls, [], `AsyncLocalStorage called (${when}):\n${alsCalls.join("\n\n")}`);
}

describe("no AsyncLocalStorage.run / enterWith in the service", () => {
  it("none while the server starts and bootstraps its empty database", () => {
    assertNoAlsCall("start-up");
  });

  it("none in a sign-in, the token grants, userinfo, refresh and single sign-on", async () => {
    const { clientSecret } = await setUpTenant(server, T, { clientId: "webapp" });
    const issuer = `${server.config.publicUrl}/${T}`;
    const rp = await discover(server, issuer, "webapp", clientSecret);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authUrl = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid profile offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const browser = new Browser();
    const callback = await browserLogin(server, browser, authUrl, T);
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const sub = tokens.claims()?.sub as string;
    assert.equal((await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).sub, sub);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
    assert.equal((await oidc.fetchUserInfo(rp.config, refreshed.access_token, sub)).sub, sub);
    // Single sign-on: the session answers at once, its use written outside a transaction.
    const again = await browserLogin(server, browser, authUrl, T);
    assert.ok(again.searchParams.get("code"), "single sign-on");
    await oidc.authorizationCodeGrant(rp.config, again, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal((await oidc.clientCredentialsGrant(rp.config)).token_type, "bearer");
    await server.settled();
    assertNoAlsCall("sign-in and tokens");
  });

  it("none in the administrators' writes: tenant, client, API key, key rotation, blocker list", async () => {
    const admin = (method: string, path: string, body?: unknown) => rest(server, server.adminKey, method, path, body);
    const ok = (answer: { status: number; body: unknown }, status: number) =>
      assert.equal(answer.status, status, JSON.stringify(answer.body));
    ok(await admin("POST", "/api/v1/tenants", { tenant_id: `${T}-2`, display_name: "Second" }), 201);
    ok(await admin("PUT", `/api/v1/tenants/${T}`, { tenant_id: T, display_name: "Renamed" }), 200);
    ok(
      await admin("POST", "/api/v1/clients", {
        tenant_id: T,
        client_id: "svc",
        name: "svc",
        redirect_uris: [REDIRECT_URI],
        client_type: "confidential",
      }),
      201,
    );
    ok(await admin("PUT", "/api/v1/clients/svc", { client_id: "svc", tenant_id: T, name: "Service", redirect_uris: [REDIRECT_URI] }), 200);
    ok(await admin("POST", `/api/v1/tenants/${T}/clients/svc/secret`), 200);
    ok(await admin("POST", "/api/v1/users/me/api-keys", { name: "k", scopes: ["users:read"], tenant_id: T }), 201);
    ok(await admin("POST", `/api/v1/tenants/${T}/keys/rotate`, { alg: "EdDSA" }), 200);
    ok(await admin("GET", `/api/v1/blocker/${T}/ips`), 200);
    await server.settled();
    assertNoAlsCall("administration");
  });
});
