// Sign-in as a policy of factors, end to end with an openid-client application: on a 2FA tenant
// the PIN/pattern alone yields no code but the login page's next step, PIN + passkey does (amr
// with both kinds and mfa, acr 2fa); acr_values steps a 1fa tenant up; prompt=login and max_age
// force a new login over a live session; a session short of a required factor does not answer;
// the nonces of another user or another request never combine; face tenants go on to the face step.
// The passkey step is the stand-in of #102 (stand-in-passkey.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { standInPasskeyNonce } from "./stand-in-passkey.js";
import { authClient, Browser, discover, REDIRECT_URI, type RelyingParty, SECRET, setUpTenant } from "./support.js";

const ACR_1FA = "urn:svault:acr:1fa";
const ACR_2FA = "urn:svault:acr:2fa";

let server: TestServer;
// The server's clock runs with the wall clock, shifted: a session is aged (max_age) by moving the
// shift, not by waiting. Not frozen: the database's own now() judges codes and nonces, and a clock
// stopped at the file's start would let codes issued a minute later look expired to it.
let shift = 0;
const now = () => Date.now() + shift;
before(async () => {
  server = await startTestServer({ clock: now });
});
after(() => server.close());

/** One application of a tenant, and the authorization requests it starts. */
class Application {
  private constructor(
    readonly tenantId: string,
    private readonly rp: RelyingParty,
  ) {}

  static async of(tenantId: string, tenantSettings: Record<string, unknown>, users = ["alice"]): Promise<Application> {
    const [first, ...others] = users;
    const { clientSecret } = await setUpTenant(server, tenantId, { clientId: "webapp" }, first, tenantSettings);
    for (const username of others) {
      await authClient(server, tenantId).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    }
    return new Application(tenantId, await discover(server, `${server.config.publicUrl}/${tenantId}`, "webapp", clientSecret));
  }

  /** Starts an authorization request; the PKCE verifier, state and nonce stay here for the callback. */
  async start(params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.rp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...params,
    });
    const finish = async (callback: URL) => {
      const tokens = await oidc.authorizationCodeGrant(this.rp.config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      return { tokens, claims: decodeJwt(tokens.id_token as string) };
    };
    return { url, finish };
  }

  refresh(refreshToken: string) {
    return oidc.refreshTokenGrant(this.rp.config, refreshToken);
  }
}

/** The PIN/pattern step through the SDK, as the login page does it: its nonce. */
async function secretStep(tenantId: string, authReqId: string, username = "alice"): Promise<string> {
  const { nonce } = await authClient(server, tenantId, authReqId).login({ username, secret: SECRET });
  return nonce;
}

function signInUrl(nonce: string, authReqId: string): string {
  return `${server.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`;
}

/** Where the browser lands after Authorize: the login page (with its request) or the callback. */
async function authorizeIn(browser: Browser, url: URL): Promise<{ loginPage?: URL; authReqId: string; callback?: URL }> {
  const target = await browser.redirectOf(url.toString());
  if (target.pathname === "/ui/login") return { loginPage: target, authReqId: target.searchParams.get("auth_req_id") as string };
  return { callback: target, authReqId: "" };
}

function assertNextStep(location: URL, authReqId: string, step: string): void {
  assert.equal(location.pathname, "/ui/login", `expected the login page, got ${location}`);
  assert.equal(location.searchParams.get("auth_req_id"), authReqId, "the same authorization request goes on");
  assert.equal(location.searchParams.get("step"), step);
  assert.equal(location.searchParams.get("code"), null);
}

function assertCallback(location: URL): void {
  assert.equal(location.origin + location.pathname, REDIRECT_URI, `expected the application's callback, got ${location}`);
  assert.ok(location.searchParams.get("code"), `a code: ${location}`);
}

describe("a 2FA tenant", () => {
  let app: Application;
  before(async () => {
    app = await Application.of("two-factor", { is_2fa: true, passkey_enabled: true }, ["alice", "bob"]);
  });

  it("does not sign in with the PIN/pattern alone: the browser goes on to the passkey step, and PIN + passkey signs in with mfa", async () => {
    const browser = new Browser();
    const { url, finish } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    const pinNonce = await secretStep(app.tenantId, authReqId);

    assertNextStep(await browser.redirectOf(signInUrl(pinNonce, authReqId)), authReqId, "passkey");
    assert.equal(browser.cookies.size, 0, "no session yet");

    const passkeyNonce = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId });
    const callback = await browser.redirectOf(signInUrl(passkeyNonce, authReqId));
    assertCallback(callback);
    const { tokens, claims } = await finish(callback);
    assert.deepEqual(claims.amr, ["pin", "pattern", "hwk", "user", "mfa"]);
    assert.equal(claims.acr, ACR_2FA);
    assert.equal(typeof claims.auth_time, "number");

    // Both steps were consumed with the sign-in: neither nonce signs in again.
    const again = await browser.redirectOf(signInUrl(pinNonce, authReqId));
    assert.equal(again.pathname, "/ui/error");
    // A refreshed ID token still says what the sign-in reached.
    const refreshed = await app.refresh(tokens.refresh_token as string);
    assert.equal(decodeJwt(refreshed.id_token as string).acr, ACR_2FA);
  });

  it("signs in with the passkey first and the PIN/pattern second, either nonce presented last", async () => {
    const browser = new Browser();
    const { url, finish } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    const passkeyNonce = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId, amr: ["swk"] });
    assertNextStep(await browser.redirectOf(signInUrl(passkeyNonce, authReqId)), authReqId, "knowledge");
    await secretStep(app.tenantId, authReqId);
    const callback = await browser.redirectOf(signInUrl(passkeyNonce, authReqId));
    assertCallback(callback);
    const { claims } = await finish(callback);
    assert.deepEqual(claims.amr, ["pin", "pattern", "swk", "mfa"]);
    assert.equal(claims.acr, ACR_2FA);
  });

  it("never combines the nonces of another user or of another authorization request", async () => {
    const browser = new Browser();
    const first = await app.start();
    const { authReqId } = await authorizeIn(browser, first.url);
    const second = await app.start();
    const { authReqId: otherRequest } = await authorizeIn(new Browser(), second.url);

    const alicePin = await secretStep(app.tenantId, authReqId, "alice");
    const bobPasskey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "bob", authReqId });
    await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId: otherRequest });

    assertNextStep(await browser.redirectOf(signInUrl(alicePin, authReqId)), authReqId, "passkey");
    assertNextStep(await browser.redirectOf(signInUrl(bobPasskey, authReqId)), authReqId, "knowledge");
    // Still usable: the refused attempts consumed nothing.
    const alicePasskey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId });
    const callback = await browser.redirectOf(signInUrl(alicePasskey, authReqId));
    assertCallback(callback);
    const { claims } = await first.finish(callback);
    assert.deepEqual(claims.amr, ["pin", "pattern", "hwk", "user", "mfa"]);
  });

  it("answers a later request from the session, which has both factors", async () => {
    const browser = new Browser();
    const { url, finish } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    await secretStep(app.tenantId, authReqId);
    const passkey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId });
    await finish(await browser.redirectOf(signInUrl(passkey, authReqId)));

    const later = await app.start();
    const { callback } = await authorizeIn(browser, later.url);
    assert.ok(callback, "single sign-on");
    const { claims } = await later.finish(callback);
    assert.equal(claims.acr, ACR_2FA);
  });
});

describe("a 1fa tenant", () => {
  let app: Application;
  before(async () => {
    app = await Application.of("one-factor", {});
  });

  /** A full PIN/pattern sign-in in `browser`; the ID token's claims. */
  const signInWithSecret = async (browser: Browser, params: Record<string, string> = {}) => {
    const { url, finish } = await app.start(params);
    const { authReqId } = await authorizeIn(browser, url);
    const callback = await browser.redirectOf(signInUrl(await secretStep(app.tenantId, authReqId), authReqId));
    return (await finish(callback)).claims;
  };

  it("signs in with the PIN/pattern alone, as before: acr 1fa, no mfa", async () => {
    const claims = await signInWithSecret(new Browser());
    assert.deepEqual(claims.amr, ["pin", "pattern"]);
    assert.equal(claims.acr, ACR_1FA);
  });

  it("refuses a request for acr 2fa at once: this tenant offers no second factor", async () => {
    const { url } = await app.start({ acr_values: ACR_2FA });
    const target = await new Browser().redirectOf(url.toString());
    assert.equal(target.origin + target.pathname, REDIRECT_URI);
    assert.equal(target.searchParams.get("error"), "unmet_authentication_requirements");
    assert.match(target.searchParams.get("error_description") ?? "", /no second factor/);
    assert.equal(target.searchParams.get("code"), null);
  });

  it("does not let a passkey alone sign in when the tenant has not enabled passkeys", async () => {
    const browser = new Browser();
    const { url } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    const passkey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId });
    assertNextStep(await browser.redirectOf(signInUrl(passkey, authReqId)), authReqId, "knowledge");
  });

  it("reuses a session for a plain request, but not for a 2fa request, prompt=login or an exceeded max_age", async () => {
    const browser = new Browser();
    await signInWithSecret(browser);
    const sso = await authorizeIn(browser, (await app.start()).url);
    assert.ok(sso.callback, "a plain request is answered from the session");

    // A 1fa session lacks the second factor; this tenant offers none, so the request is refused.
    const twoFactor = await authorizeIn(browser, (await app.start({ acr_values: ACR_2FA })).url);
    assert.equal(twoFactor.callback?.searchParams.get("error"), "unmet_authentication_requirements");
    assert.equal(twoFactor.callback?.searchParams.get("code"), null);
    assert.ok((await authorizeIn(browser, (await app.start({ prompt: "login" })).url)).loginPage, "prompt=login");

    shift += 120_000;
    assert.ok((await authorizeIn(browser, (await app.start({ max_age: "60" })).url)).loginPage, "older than max_age");
    const young = await app.start({ max_age: "600" });
    const within = await authorizeIn(browser, young.url);
    assert.ok(within.callback, "within max_age");
    const { claims } = await young.finish(within.callback);
    assert.ok(now() / 1000 - (claims.auth_time as number) >= 120, "auth_time is the session's, not the reuse's");
  });

  it("after a forced new login, the ID token's auth_time is the new login's", async () => {
    const browser = new Browser();
    await signInWithSecret(browser);
    shift += 300_000;
    const claims = await signInWithSecret(browser, { prompt: "login" });
    assert.ok(Math.abs((claims.auth_time as number) - Math.floor(now() / 1000)) <= 1, "auth_time moved to the new login");
  });
});

describe("a tenant with passkeys enabled (passwordless)", () => {
  let app: Application;
  before(async () => {
    app = await Application.of("passwordless", { passkey_enabled: true });
  });

  it("signs in with a user-verified passkey alone: amr without mfa, acr 1fa", async () => {
    const browser = new Browser();
    const { url, finish } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    const passkey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId, amr: ["swk", "user"] });
    const { claims } = await finish(await browser.redirectOf(signInUrl(passkey, authReqId)));
    assert.deepEqual(claims.amr, ["swk", "user"]);
    assert.equal(claims.acr, ACR_1FA);
  });

  it("steps up to a second factor when the application asks for acr 2fa", async () => {
    const browser = new Browser();
    const { url, finish } = await app.start({ acr_values: ACR_2FA });
    const { authReqId } = await authorizeIn(browser, url);
    assertNextStep(await browser.redirectOf(signInUrl(await secretStep(app.tenantId, authReqId), authReqId)), authReqId, "passkey");
    const passkey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId });
    const { claims } = await finish(await browser.redirectOf(signInUrl(passkey, authReqId)));
    assert.equal(claims.acr, ACR_2FA);
    assert.ok((claims.amr as string[]).includes("mfa"));
  });

  it("does not sign in with a passkey whose authenticator did not verify the user", async () => {
    const browser = new Browser();
    const { url } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    const passkey = await standInPasskeyNonce(server, { tenantId: app.tenantId, username: "alice", authReqId, amr: ["hwk"] });
    assertNextStep(await browser.redirectOf(signInUrl(passkey, authReqId)), authReqId, "knowledge passkey");
  });
});

describe("a tenant that uses face", () => {
  it("face recognition: a user who has not enrolled a face signs in with the PIN/pattern (and may enrol after)", async () => {
    const app = await Application.of("face-tenant", { use_face_recognition: true });
    const browser = new Browser();
    const { url } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    assertCallback(await browser.redirectOf(signInUrl(await secretStep(app.tenantId, authReqId), authReqId)));
  });

  it("liveness: the PIN/pattern alone leads on to the face step (test/biometrics/face-sign-in.test.ts goes through it)", async () => {
    const app = await Application.of("liveness-tenant", { use_liveness: true });
    const browser = new Browser();
    const { url } = await app.start();
    const { authReqId } = await authorizeIn(browser, url);
    assertNextStep(await browser.redirectOf(signInUrl(await secretStep(app.tenantId, authReqId), authReqId)), authReqId, "face");
  });
});
