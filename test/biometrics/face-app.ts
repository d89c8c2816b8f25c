// An openid-client application of a face tenant, for the API tests of the face step
// (face-sign-in.test.ts, face-ber.test.ts): Authorize → the login page's request id, and the
// callback redeemed for the ID token's claims.
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import type { TestServer } from "../support/test-server.js";
import { type Browser, discover, REDIRECT_URI, type RelyingParty, setUpTenant } from "../oidc/support.js";

export class Application {
  private constructor(
    readonly tenantId: string,
    private readonly rp: RelyingParty,
  ) {}

  /** The tenant with `settings`, its client `webapp` and the user `alice` (the PIN/pattern SECRET). */
  static async of(server: TestServer, tenantId: string, settings: Record<string, unknown>): Promise<Application> {
    const { clientSecret } = await setUpTenant(server, tenantId, { clientId: "webapp" }, "alice", settings);
    return new Application(tenantId, await discover(server, `${server.config.publicUrl}/${tenantId}`, "webapp", clientSecret));
  }

  /** Authorize → the login page's request id, and how to redeem the callback. */
  async start(browser: Browser) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(this.rp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const loginPage = await browser.redirectOf(url.toString());
    assert.equal(loginPage.pathname, "/ui/login", `the login page, not ${loginPage}`);
    const authReqId = loginPage.searchParams.get("auth_req_id") as string;
    const finish = async (callback: URL) => {
      const tokens = await oidc.authorizationCodeGrant(this.rp.config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      return decodeJwt(tokens.id_token as string);
    };
    return { authReqId, finish };
  }
}
