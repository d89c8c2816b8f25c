// The `groups` claim (docs/oidc.md): an application using openid-client that asks for the `groups`
// scope finds the display names of the user's groups of that tenant in the ID token and at
// userinfo; without the scope neither carries the claim; another tenant's groups never appear.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { MAX_GROUPS_IN_CLAIM } from "../../src/domain/oidc/groups-claim.js";
import { seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { GROUP_SCHEMA, filtered, scimClient } from "../scim/scim-client.js";
import { Browser, browserLogin, discover, REDIRECT_URI, setUpTenant } from "./support.js";

let server: TestServer;
let secret: string | undefined;
const tenantId = "groups-a";
const issuer = () => `${server.config.publicUrl}/${tenantId}`;

/** Puts the tenant's user `alice` into groups of these names over SCIM, as Entra or Okta would. */
async function aliceInGroups(tenant: string, names: string[]): Promise<void> {
  const admin = await seedUserWithKey(server, tenant, ["tenant_admin"], ["scim"]);
  const scim = scimClient(server, tenant, admin.key);
  const found = await scim("GET", filtered("/Users", 'userName eq "alice"'));
  const aliceId = ((found.body.Resources as { id: string }[])[0] as { id: string }).id;
  for (const displayName of names) {
    const created = await scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName, members: [{ value: aliceId }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
}

before(async () => {
  server = await startTestServer();
  const allowed = { allowed_scopes: ["openid", "profile", "groups"] };
  ({ clientSecret: secret } = await setUpTenant(server, tenantId, { clientId: "webapp", extra: allowed }));
  await setUpTenant(server, "groups-b", { clientId: "webapp", extra: allowed });
  await aliceInGroups(tenantId, ["staff", "Admins"]);
  await aliceInGroups("groups-b", ["other-tenant-group"]);
});
after(() => server.close());

async function signIn(scope: string): Promise<{ idClaims: oidc.IDToken; info: oidc.UserInfoResponse }> {
  const rp = await discover(server, issuer(), "webapp", secret);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authUrl = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  const callback = await browserLogin(server, new Browser(), authUrl, tenantId);
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  const idClaims = tokens.claims();
  assert.ok(idClaims);
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, idClaims.sub);
  return { idClaims, info };
}

describe("the groups claim", () => {
  it("is announced in discovery", async () => {
    const rp = await discover(server, issuer(), "webapp", secret);
    assert.ok(rp.config.serverMetadata().scopes_supported?.includes("groups"));
    assert.ok(rp.config.serverMetadata().claims_supported?.includes("groups"));
  });

  it("carries the names of the user's groups of this tenant, in ID token and userinfo, with the groups scope", async () => {
    const { idClaims, info } = await signIn("openid profile groups");
    assert.deepEqual(idClaims.groups, ["Admins", "staff"]);
    assert.deepEqual(info.groups, ["Admins", "staff"]);
  });

  it("is absent without the groups scope", async () => {
    const { idClaims, info } = await signIn("openid profile");
    assert.equal("groups" in idClaims, false);
    assert.equal("groups" in info, false);
    assert.equal(info.name, "alice", "the other claims are still there");
  });

  // Last: it adds groups to alice.
  it(`carries at most ${MAX_GROUPS_IN_CLAIM} names, the first in name order`, async () => {
    const more = Array.from({ length: MAX_GROUPS_IN_CLAIM - 1 }, (_, i) => `g-${String(i).padStart(3, "0")}`);
    await aliceInGroups(tenantId, more);
    const { idClaims, info } = await signIn("openid groups");
    const expected = ["Admins", ...more];
    assert.deepEqual(idClaims.groups, expected, "staff, 101st in order, is left out");
    assert.deepEqual(info.groups, expected);
  });
});
