// The `address` and `phone` scopes (OpenID Connect Core §5.4): an application using openid-client
// that asks for them gets the user's provisioned address (as Core §5.1.1's JSON object) and phone
// number at userinfo — the primary one of several, a `tel:` URI as a plain number, never verified —
// and not in the ID token (a code flow issues an access token, so §5.4 puts them at userinfo);
// each scope only its own claims; none for a user without the attribute; discovery names them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { filtered, patchOp, type ScimClient, scimClient } from "../scim/scim-client.js";
import { Browser, browserLogin, discover, REDIRECT_URI, setUpTenant } from "./support.js";

let server: TestServer;
let secret: string | undefined;
let scim: ScimClient;
let aliceId: string;
const tenantId = "contact-claims";
const issuer = () => `${server.config.publicUrl}/${tenantId}`;

const HOME = {
  type: "home",
  streetAddress: "221B Baker Street",
  locality: "London",
  postalCode: "NW1 6XE",
  country: "GB",
};
const WORK = {
  type: "work",
  primary: true,
  formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA",
  streetAddress: "100 Universal City Plaza",
  locality: "Hollywood",
  region: "CA",
  postalCode: "91608",
  country: "USA",
};

before(async () => {
  server = await startTestServer();
  const allowed = { allowed_scopes: ["openid", "profile", "email", "address", "phone"] };
  ({ clientSecret: secret } = await setUpTenant(server, tenantId, { clientId: "webapp", extra: allowed }));
  const admin = await seedUserWithKey(server, tenantId, ["tenant_admin"], ["scim"]);
  scim = scimClient(server, tenantId, admin.key);
  const found = await scim("GET", filtered("/Users", 'userName eq "alice"'));
  aliceId = ((found.body.Resources as { id: string }[])[0] as { id: string }).id;
  // As Entra ID or Okta provision them: several of each, one primary number given as a tel: URI.
  const patched = await scim(
    "PATCH",
    `/Users/${aliceId}`,
    patchOp(
      { op: "add", path: "addresses", value: [HOME, WORK] },
      {
        op: "add",
        path: "phoneNumbers",
        value: [
          { value: "+1 555 0100", type: "work" },
          { value: "tel:+44-20-7946-0958;ext=12", type: "mobile", primary: true },
        ],
      },
    ),
  );
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
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
  assert.equal(tokens.scope, scope, "every scope asked for is granted");
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, idClaims.sub);
  return { idClaims, info };
}

const CONTACT_CLAIMS = ["address", "phone_number", "phone_number_verified"];

describe("the address and phone claims", () => {
  it("are announced in discovery", async () => {
    const metadata = (await discover(server, issuer(), "webapp", secret)).config.serverMetadata();
    for (const scope of ["address", "phone"]) assert.ok(metadata.scopes_supported?.includes(scope), scope);
    for (const claim of CONTACT_CLAIMS) assert.ok(metadata.claims_supported?.includes(claim), claim);
  });

  it("come at userinfo with both scopes: the primary address as Core's object, the primary number, unverified", async () => {
    const { idClaims, info } = await signIn("openid address phone");
    assert.deepEqual(info.address, {
      formatted: WORK.formatted,
      street_address: WORK.streetAddress,
      locality: WORK.locality,
      region: WORK.region,
      postal_code: WORK.postalCode,
      country: WORK.country,
    });
    assert.equal(info.phone_number, "+44-20-7946-0958;ext=12");
    assert.equal(info.phone_number_verified, false);
    for (const claim of CONTACT_CLAIMS) assert.equal(claim in idClaims, false, `${claim} is not in the ID token`);
  });

  it("each scope brings only its own claims; neither without them", async () => {
    const address = await signIn("openid address");
    assert.equal(address.info.address?.locality, "Hollywood");
    assert.equal("phone_number" in address.info, false);

    const phone = await signIn("openid phone");
    assert.equal(phone.info.phone_number, "+44-20-7946-0958;ext=12");
    assert.equal("address" in phone.info, false);

    const profile = await signIn("openid profile email");
    for (const claim of CONTACT_CLAIMS) assert.equal(claim in profile.info, false, claim);
    assert.equal(profile.info.name, "alice", "the other claims are still there");
  });

  it("takes the first when none is primary, and leaves out what the address lacks", async () => {
    const replaced = await scim(
      "PATCH",
      `/Users/${aliceId}`,
      patchOp(
        { op: "replace", path: "addresses", value: [HOME] },
        { op: "replace", path: "phoneNumbers", value: [{ value: "+1 555 0100" }] },
      ),
    );
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    const { info } = await signIn("openid address phone");
    assert.deepEqual(info.address, { street_address: "221B Baker Street", locality: "London", postal_code: "NW1 6XE", country: "GB" });
    assert.equal(info.phone_number, "+1 555 0100");
  });

  // Last: it removes alice's attributes.
  it("are absent for a user without the attributes, even with the scopes granted", async () => {
    const removed = await scim(
      "PATCH",
      `/Users/${aliceId}`,
      patchOp({ op: "remove", path: "addresses" }, { op: "remove", path: "phoneNumbers" }),
    );
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const { info } = await signIn("openid address phone");
    for (const claim of CONTACT_CLAIMS) assert.equal(claim in info, false, claim);
    assert.equal(typeof info.sub, "string");
  });
});
