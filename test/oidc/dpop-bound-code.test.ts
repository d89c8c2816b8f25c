// Authorization codes bound to a DPoP key (RFC 9449 §10) with openid-client as the application, on
// both issuer families: an authorization request naming `dpop_jkt` (in the query, or pushed with
// PAR) gets a code that the token endpoint exchanges only with a proof of that key — another key's
// proof or none is `invalid_grant`, and leaves the code to its rightful holder — and the access
// token is then bound to the key; a `dpop_jkt` that is no thumbprint goes back as invalid_request.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { Browser, browserLogin, discover, REDIRECT_URI, setUpTenant } from "./support.js";

const TENANT = "dpop-code";
let server: TestServer;
let secret: string | undefined;

before(async () => {
  server = await startTestServer();
  ({ clientSecret: secret } = await setUpTenant(server, TENANT, { clientId: "webapp" }));
});
after(() => server.close());

type Grant = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

for (const family of ["standard", "alias"] as const) {
  describe(`a DPoP-bound authorization code on the ${family} issuer`, () => {
    let config: oidc.Configuration;
    let dpop: oidc.DPoPHandle;
    let thumbprint: string;

    before(async () => {
      const issuer = `${server.config.publicUrl}${family === "alias" ? "/oidc" : ""}/${TENANT}`;
      config = (await discover(server, issuer, "webapp", secret)).config;
      dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      thumbprint = await dpop.calculateThumbprint();
    });

    /**
     * Signs alice in through an authorization request with these extra parameters (pushed: through
     * PAR, with a DPoP proof of `pushedWith` if given); the callback and its checks.
     */
    async function authorize(extra: Record<string, string>, pushed = false, pushedWith?: oidc.DPoPHandle) {
      const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
      const expectedState = oidc.randomState();
      const params = {
        redirect_uri: REDIRECT_URI,
        scope: "openid profile",
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: "S256",
        state: expectedState,
        ...extra,
      };
      const url = pushed
        ? await oidc.buildAuthorizationUrlWithPAR(config, params, pushedWith ? { DPoP: pushedWith } : undefined)
        : oidc.buildAuthorizationUrl(config, params);
      const callback = await browserLogin(server, new Browser(), url, TENANT);
      return { callback, checks: { pkceCodeVerifier, expectedState } };
    }

    async function refusal(grant: Promise<Grant>): Promise<string> {
      const error = await grant.then(
        () => assert.fail("the token endpoint issued tokens"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      return error.error;
    }

    it("is exchanged with a proof of the key it names, for an access token bound to that key", async () => {
      const { callback, checks } = await authorize({ dpop_jkt: thumbprint });
      const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: dpop });
      assert.equal(tokens.token_type, "dpop");
      assert.equal((decodeJwt(tokens.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, thumbprint);
    });

    it("is refused with another key's proof and without a proof, and still works for its key after", async () => {
      const { callback, checks } = await authorize({ dpop_jkt: thumbprint });
      const stranger = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      assert.equal(await refusal(oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: stranger })), "invalid_grant");
      assert.equal(await refusal(oidc.authorizationCodeGrant(config, callback, checks)), "invalid_grant");
      const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: dpop });
      assert.equal(tokens.token_type, "dpop");
    });

    it("binds a pushed request's code the same way (dpop_jkt in the PAR body)", async () => {
      const { callback, checks } = await authorize({ dpop_jkt: thumbprint }, true);
      const stranger = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      assert.equal(await refusal(oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: stranger })), "invalid_grant");
      const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: dpop });
      assert.equal((decodeJwt(tokens.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, thumbprint);
    });

    it("binds a pushed request's code to the key of a DPoP proof sent to the PAR endpoint (§10.1)", async () => {
      const { callback, checks } = await authorize({}, true, dpop);
      const stranger = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      assert.equal(await refusal(oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: stranger })), "invalid_grant");
      const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: dpop });
      assert.equal((decodeJwt(tokens.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, thumbprint);
    });

    it("refuses a pushed request whose dpop_jkt names another key than its DPoP proof", async () => {
      const stranger = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      const error = await authorize({ dpop_jkt: thumbprint }, true, stranger).then(
        () => assert.fail("the PAR endpoint accepted the request"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, "invalid_request");
    });

    it("leaves a code without dpop_jkt as it was: redeemed without a proof", async () => {
      const { callback, checks } = await authorize({});
      const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
      assert.equal(tokens.token_type, "bearer");
    });

    it("sends a dpop_jkt that is no JWK thumbprint back as invalid_request", async () => {
      const { callback } = await authorize({ dpop_jkt: "not-a-thumbprint" });
      assert.equal(callback.searchParams.get("error"), "invalid_request");
      assert.match(callback.searchParams.get("error_description") ?? "", /dpop_jkt/);
      assert.equal(callback.searchParams.get("code"), null);
    });
  });
}
