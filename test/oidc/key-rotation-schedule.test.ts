// A rotation with the default publish lead (1 day) and grace (7 days) as relying parties live
// through it, the service's key clock moved instead of waiting: Rotate Tenant Key puts the new key
// in the JWKS at once; tokens are signed by the old key until the instant the new one activates,
// then by the new one; the old key stays published until the grace ends. An openid-client
// application that checks ID token signatures (enableNonRepudiationChecks) verifies them across
// the switch: one whose JWKS cache predates the rotation until the switch, and one that fetched
// the JWKS during the publish lead — as every relying party whose cache lives less than a day
// has — before and after it, without having to learn a new key at the switch.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { Browser, browserLogin, discover, pkcePair, REDIRECT_URI, type RelyingParty, send, setUpTenant } from "./support.js";

/** The service's key clock: the real time until a test sets it. */
let clockAt: Date | undefined;

let server: TestServer;
before(async () => {
  server = await startTestServer({ clock: () => (clockAt ?? new Date()).getTime() });
});
after(() => server.close());

interface KeyJson {
  kid: string;
  state: string;
  publish_at: string;
  activate_at: string;
  retire_at: string | null;
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid as string;

for (const alg of ["EdDSA", "RS256"] as const) {
  describe(`rotating the ${alg} key`, () => {
    const tenant = `sched-${alg.toLowerCase()}`;
    const issuer = () => `${server.config.publicUrl}/${tenant}`;
    let secret: string | undefined;

    async function jwks(): Promise<JWK[]> {
      const res = await send(`${issuer()}/.well-known/jwks.json`);
      assert.equal(res.status, 200);
      return (res.body as { keys: JWK[] }).keys;
    }
    const kids = async () => (await jwks()).map((key) => key.kid as string);

    async function states(): Promise<Record<string, string>> {
      const res = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${tenant}/keys`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return Object.fromEntries((res.body as { keys: KeyJson[] }).keys.map((key) => [key.kid, key.state]));
    }

    /** An application verifying ID token signatures against the issuer's JWKS (fetched on first use). */
    async function application(): Promise<RelyingParty> {
      const rp = await discover(server, issuer(), "app", secret);
      oidc.enableNonRepudiationChecks(rp.config);
      return rp;
    }

    before(async () => {
      ({ clientSecret: secret } = await setUpTenant(server, tenant, { clientId: "app", singAlg: alg }));
    });
    after(() => {
      clockAt = undefined;
    });

    it("publishes the new key at once, signs with the old one until activate_at, then with the new one; the old one stays published through the grace", async () => {
      const t0 = new Date();
      clockAt = t0;
      const early = await application();
      const { verifier, challenge } = await pkcePair();
      const url = oidc.buildAuthorizationUrl(early.config, {
        redirect_uri: REDIRECT_URI,
        scope: "openid profile offline_access",
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "st",
      });
      const signedIn = await oidc.authorizationCodeGrant(early.config, await browserLogin(server, new Browser(), url, tenant), {
        pkceCodeVerifier: verifier,
        expectedState: "st",
      });
      const oldKid = kidOf(signedIn.id_token as string);
      assert.ok(
        oidc
          .getJwksCache(early.config)
          ?.jwks.keys.map((k) => k.kid)
          .includes(oldKid),
        "its signature was verified against the JWKS",
      );

      const rotated = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${tenant}/keys/rotate`, { alg });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const { key } = rotated.body as { key: KeyJson };
      const newKid = key.kid;
      const activateAt = new Date(key.activate_at);
      const retireAt = new Date(activateAt.getTime() + server.config.keyGraceSeconds * 1000);
      assert.equal(key.publish_at, t0.toISOString());
      assert.equal(activateAt.getTime() - t0.getTime(), 86_400_000, "KEY_PUBLISH_LEAD_SECONDS by default");
      assert.deepEqual(
        (rotated.body as { replaced: KeyJson[] }).replaced.map((k) => [k.kid, k.retire_at]),
        [[oldKid, retireAt.toISOString()]],
      );

      // At once: both keys in the JWKS; the old one signs.
      assert.ok((await kids()).includes(newKid) && (await kids()).includes(oldKid));
      let refreshed = await oidc.refreshTokenGrant(early.config, signedIn.refresh_token as string);
      assert.equal(kidOf(refreshed.id_token as string), oldKid);
      assert.equal(kidOf(refreshed.access_token), oldKid);

      // An application starting during the lead fetches the JWKS with the new key in it.
      clockAt = new Date(activateAt.getTime() - 1);
      const late = await application();
      const during = await states();
      assert.equal(during[oldKid], "active");
      assert.equal(during[newKid], "scheduled");
      refreshed = await oidc.refreshTokenGrant(late.config, refreshed.refresh_token as string);
      assert.equal(kidOf(refreshed.id_token as string), oldKid, "the old key signs until the very instant");
      assert.ok(
        oidc
          .getJwksCache(late.config)
          ?.jwks.keys.map((k) => k.kid)
          .includes(newKid),
        "it knows the new key before it signs",
      );
      const lastOldIdToken = refreshed.id_token as string;
      const lastOldAccessToken = refreshed.access_token;
      const userinfoWith = async (token: string) =>
        (await send(`${issuer()}/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

      // From activate_at on the new key signs; openid-client verifies it from the JWKS it has.
      clockAt = activateAt;
      refreshed = await oidc.refreshTokenGrant(late.config, refreshed.refresh_token as string);
      assert.equal(kidOf(refreshed.id_token as string), newKid);
      assert.equal(kidOf(refreshed.access_token), newKid);
      const userinfo = await send(`${issuer()}/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
      assert.equal(userinfo.status, 200, "the service accepts the new key's access token");
      assert.equal((await states())[oldKid], "retiring");

      // The old key stays published until the grace ends: what it signed last still verifies.
      clockAt = new Date(retireAt.getTime() - 1);
      assert.ok((await kids()).includes(oldKid));
      await jwtVerify(lastOldIdToken, createLocalJWKSet({ keys: await jwks() }), { issuer: issuer(), audience: "app" });
      // The service too: its access tokens are accepted (again: a verified signature is remembered)…
      assert.equal(await userinfoWith(lastOldAccessToken), 200);
      assert.equal(await userinfoWith(lastOldAccessToken), 200);
      clockAt = retireAt;
      // …until the grace ends: a remembered signature does not outlive its key.
      assert.equal(await userinfoWith(lastOldAccessToken), 401, "a retired key's access token is refused");
      assert.deepEqual(
        (await jwks()).filter((k) => k.alg === alg).map((k) => k.kid),
        [newKid],
      );
      await assert.rejects(jwtVerify(lastOldIdToken, createLocalJWKSet({ keys: await jwks() })), /no applicable key found/);
      assert.equal((await states())[oldKid], "retired");
      refreshed = await oidc.refreshTokenGrant(late.config, refreshed.refresh_token as string);
      assert.equal(kidOf(refreshed.id_token as string), newKid);
    });
  });
}
