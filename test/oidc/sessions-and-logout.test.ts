// Sessions as their user and the relying parties see them: listing with an access token as
// Bearer, ending one, all, or the caller's own (its refresh tokens fail, its access tokens get 401
// at userinfo), RP-initiated logout without open redirects (GET and the form POST), and
// back-channel logout tokens delivered to a client's `client_logout_uri` when a session ends.
// Sign In is all or nothing: checked first, then one transaction.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { rest } from "../support/fixtures.js";
import { failWrites } from "../support/injected-fault.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { BackChannelReceiver, verifyLogoutToken } from "./backchannel-receiver.js";
import {
  authClient,
  Browser,
  browserLogin,
  discover,
  pkcePair,
  REDIRECT_URI,
  type RawAnswer,
  type RelyingParty,
  SECRET,
  send,
  setUpTenant,
} from "./support.js";

const TENANT = "sess";
const BYE = "http://localhost:4000/bye";

let server: TestServer;
let issuer: string;
let webapp: RelyingParty;
let plainapp: RelyingParty;
const receiver = new BackChannelReceiver(() => server.settled());

before(async () => {
  server = await startTestServer();
  const backchannel = await receiver.start();
  const { clientSecret } = await setUpTenant(server, TENANT, { clientId: "webapp", extra: { client_logout_uri: backchannel } });
  const plain = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: TENANT,
    client_id: "plainapp",
    name: "plainapp",
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uri: [BYE],
  });
  assert.equal(plain.status, 201, JSON.stringify(plain.body));
  await authClient(server, TENANT).register({ username: "bob", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  issuer = `${server.config.publicUrl}/${TENANT}`;
  webapp = await discover(server, issuer, "webapp", clientSecret);
  plainapp = await discover(server, issuer, "plainapp", (plain.body as { client_secret: string }).client_secret);
});
after(async () => {
  await server.close();
  await receiver.close();
});

interface Login {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
  readonly sid: string;
  readonly sub: string;
}

/** A code flow of `rp` in `browser` (signing in as `username` when the browser has no session). */
async function login(browser: Browser, rp: RelyingParty = webapp, username = "alice"): Promise<Login> {
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
  });
  const callback = await browserLogin(server, browser, url, TENANT, username);
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
  const claims = tokens.claims();
  assert.ok(claims?.sid);
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token as string,
    idToken: tokens.id_token as string,
    sid: claims.sid as string,
    sub: claims.sub,
  };
}

function api(method: string, path: string, accessToken: string, body?: unknown): Promise<RawAnswer> {
  return send(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await send(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

async function assertSessionEnded(session: Login, rp: RelyingParty = webapp): Promise<void> {
  assert.equal(await userinfoStatus(session.accessToken), 401, "its access token is refused at userinfo");
  await assert.rejects(
    oidc.refreshTokenGrant(rp.config, session.refreshToken),
    (error: unknown) => error instanceof oidc.ResponseBodyError && error.error === "invalid_grant",
    "its refresh token fails",
  );
}

async function assertSessionAlive(session: Login): Promise<void> {
  assert.equal(await userinfoStatus(session.accessToken), 200, "its access token still works");
}

/** Verifies a back-channel logout token as a relying party of `rpIssuer` must, for `session`. */
async function assertLogoutToken(token: string, session: Login, clientId = "webapp", rpIssuer = issuer): Promise<void> {
  const payload = await verifyLogoutToken(token, rpIssuer, clientId);
  assert.equal(payload.sid, session.sid);
  assert.equal(payload.sub, session.sub);
}

interface SessionView {
  session_id: string;
  user_agent: string;
  ip: string;
  created_at: string;
  last_seen_at: string;
  clients: string[];
  current: boolean;
}

async function sessionsOf(accessToken: string): Promise<{ sessions: SessionView[]; total: number }> {
  const res = await api("GET", "/api/v1/auth/sessions", accessToken);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { sessions: SessionView[]; total: number };
}

describe("the sessions API", () => {
  const one = new Browser({ "user-agent": "BrowserOne/1.0" });
  const two = new Browser({ "user-agent": "BrowserTwo/2.0" });
  let first: Login;
  let second: Login;
  let bob: Login;

  before(async () => {
    first = await login(one);
    await login(one, plainapp); // single sign-on into a second client
    second = await login(two);
    bob = await login(new Browser({ "user-agent": "BobBrowser" }), webapp, "bob");
  });

  it("lists the caller's sessions with user agent, ip, clients and which one is current", async () => {
    const { sessions, total } = await sessionsOf(first.accessToken);
    assert.equal(total, 2);
    assert.equal(sessions.length, 2);
    assert.deepEqual(sessions.map((s) => s.session_id).sort(), [first.sid, second.sid].sort(), "only alice's sessions");
    assert.equal(sessions[0]?.session_id, second.sid, "newest first");
    const mine = sessions.find((s) => s.session_id === first.sid) as SessionView;
    const other = sessions.find((s) => s.session_id === second.sid) as SessionView;
    assert.equal(mine.current, true);
    assert.equal(other.current ?? false, false);
    assert.equal(mine.user_agent, "BrowserOne/1.0");
    assert.equal(other.user_agent, "BrowserTwo/2.0");
    assert.equal(mine.ip, "127.0.0.1");
    assert.deepEqual([...mine.clients].sort(), ["plainapp", "webapp"]);
    assert.deepEqual(other.clients, ["webapp"]);
    for (const session of sessions) {
      assert.ok(!Number.isNaN(Date.parse(session.created_at)), "created_at");
      assert.ok(!Number.isNaN(Date.parse(session.last_seen_at)), "last_seen_at");
    }

    const fromSecond = await sessionsOf(second.accessToken);
    assert.equal(fromSecond.sessions.find((s) => s.current)?.session_id, second.sid, "current follows the calling token");
    const bobs = await sessionsOf(bob.accessToken);
    assert.deepEqual(
      bobs.sessions.map((s) => s.session_id),
      [bob.sid],
    );
  });

  it("without credentials the sessions API is 401", async () => {
    assert.equal((await send(`${server.baseUrl}/api/v1/auth/sessions`)).status, 401);
    assert.equal((await api("GET", "/api/v1/auth/sessions", "not.a.token")).status, 401);
  });

  it("revoking an unknown or another user's session is 404 and ends nothing", async () => {
    const unknown = await api("POST", "/api/v1/auth/sessions/revoke", first.accessToken, { session_id: "no-such-session" });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    const foreign = await api("POST", "/api/v1/auth/sessions/revoke", first.accessToken, { session_id: bob.sid });
    assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
    assert.deepEqual(Object.keys(foreign.body as object), ["detail"]);
    await assertSessionAlive(bob);
  });

  it("revoking another of the caller's sessions ends it and notifies its clients over the back channel", async () => {
    const res = await api("POST", "/api/v1/auth/sessions/revoke", first.accessToken, { session_id: second.sid });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await assertSessionEnded(second);
    await assertSessionAlive(first);
    await assertSessionAlive(bob);
    const { sessions } = await sessionsOf(first.accessToken);
    assert.deepEqual(
      sessions.map((s) => s.session_id),
      [first.sid],
    );
    // The browser's cookie no longer signs it in.
    const page = await two.redirectOf(
      oidc
        .buildAuthorizationUrl(webapp.config, {
          redirect_uri: REDIRECT_URI,
          scope: "openid",
          code_challenge: (await pkcePair()).challenge,
          code_challenge_method: "S256",
        })
        .toString(),
    );
    assert.equal(page.pathname, "/ui/login");

    const tokens = await receiver.tokensFor(second.sid);
    assert.equal(tokens.length, 1, "one logout token for the ended session");
    const delivery = receiver.received.find((r) => r.body.get("logout_token") === tokens[0]);
    assert.equal(delivery?.path, "/backchannel");
    assert.match(delivery?.contentType ?? "", /^application\/x-www-form-urlencoded/);
    await assertLogoutToken(tokens[0] as string, second);
  });

  it("revoke-all ends every session of the caller, and only the caller's", async () => {
    const again = await login(two);
    const res = await api("POST", "/api/v1/auth/sessions/revoke-all", first.accessToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body, null, "the JSON null, as in the reference");
    await assertSessionEnded(first);
    await assertSessionEnded(again);
    await assertSessionAlive(bob);
    assert.equal((await api("GET", "/api/v1/auth/sessions", first.accessToken)).status, 401, "the caller's own token died too");
    const sessionsOfBob = await sessionsOf(bob.accessToken);
    assert.equal(sessionsOfBob.total, 1);

    for (const session of [first, again]) {
      const tokens = await receiver.tokensFor(session.sid);
      assert.equal(tokens.length, 1, `a logout token for ${session.sid} (webapp only: plainapp has no client_logout_uri)`);
      await assertLogoutToken(tokens[0] as string, session);
    }
  });

  it("POST /api/v1/auth/logout ends the caller's session only", async () => {
    const mine = await login(one);
    const other = await login(two);
    const res = await api("POST", "/api/v1/auth/logout", mine.accessToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body, null, "the JSON null, as in the reference");
    await assertSessionEnded(mine);
    await assertSessionAlive(other);
    assert.equal((await api("GET", "/api/v1/auth/sessions", mine.accessToken)).status, 401);
    const tokens = await receiver.tokensFor(mine.sid);
    assert.equal(tokens.length, 1);
    await assertLogoutToken(tokens[0] as string, mine);
    await api("POST", "/api/v1/auth/logout", other.accessToken);
  });

  it("a client signed in through the alias issuer gets its logout token too", async () => {
    const aliasIssuer = `${server.config.publicUrl}/oidc/${TENANT}`;
    const alias = await discover(server, aliasIssuer, "webapp", webapp.clientSecret);
    const session = await login(new Browser(), alias);
    assert.equal((await api("POST", "/api/v1/auth/logout", session.accessToken)).status, 200);
    await assertSessionEnded(session, alias);
    const tokens = await receiver.tokensFor(session.sid);
    assert.equal(tokens.length, 1);
    // The token names the issuer the client signed in through, as its relying party checks.
    await assertLogoutToken(tokens[0] as string, session, "webapp", aliasIssuer);
  });
});

describe("RP-initiated logout", () => {
  const endSession = () => `${server.baseUrl}/api/v1/auth/oidc/logout`;
  const loggedOutPage = (location: URL) => {
    assert.equal(location.host, new URL(server.config.publicUrl).host, `our page, not ${location}`);
    assert.equal(location.pathname, "/ui/logged-out");
    assert.equal(location.searchParams.get("state"), null);
  };

  it("without an id_token_hint asks the person first (nothing ends), and the confirming form POST ends the browser's own session", async () => {
    const browser = new Browser();
    const session = await login(browser);
    const url = new URL(endSession());
    url.search = new URLSearchParams({ post_logout_redirect_uri: BYE, state: "s1", client_id: "webapp" }).toString();
    const confirm = await browser.redirectOf(url.toString());
    assert.equal(confirm.pathname, "/ui/logout");
    assert.equal(confirm.searchParams.get("client_id"), "webapp");
    const page = await send(confirm.toString());
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(await userinfoStatus(session.accessToken), 200, "a link alone ends nothing");

    const confirmed = await browser.post(endSession(), { post_logout_redirect_uri: BYE, state: "s1", client_id: "webapp" });
    assert.equal(confirmed.status, 303);
    loggedOutPage(new URL(confirmed.headers.get("location") as string));
    await assertSessionEnded(session);
  });

  it("a forged id_token_hint is ignored: logged-out page, nothing ends", async () => {
    const browser = new Browser();
    const session = await login(browser);
    const [header, payload] = session.idToken.split(".");
    const url = new URL(endSession());
    url.search = new URLSearchParams({ id_token_hint: `${header}.${payload}.AAAA`, post_logout_redirect_uri: BYE, state: "s" }).toString();
    loggedOutPage(await send(url.toString()).then((r) => new URL(r.headers.get("location") as string)));
    await assertSessionAlive(session);
  });

  it("an unregistered post_logout_redirect_uri goes to the logged-out page; the session ends", async () => {
    const browser = new Browser();
    const session = await login(browser);
    for (const uri of ["https://evil.example/bye", `${BYE}/x`, REDIRECT_URI]) {
      const url = oidc.buildEndSessionUrl(webapp.config, { id_token_hint: session.idToken, post_logout_redirect_uri: uri, state: "s2" });
      const location = await browser.redirectOf(url.toString());
      loggedOutPage(location);
      assert.equal(location.searchParams.get("tenant_id"), TENANT);
    }
    await assertSessionEnded(session);
    const tokens = await receiver.tokensFor(session.sid);
    assert.equal(tokens.length, 1);
    await assertLogoutToken(tokens[0] as string, session);
  });

  it("a hint for another client than client_id goes to the logged-out page", async () => {
    const browser = new Browser();
    const session = await login(browser);
    const url = new URL(endSession());
    url.search = new URLSearchParams({ id_token_hint: session.idToken, post_logout_redirect_uri: BYE, client_id: "plainapp" }).toString();
    loggedOutPage(await browser.redirectOf(url.toString()));
  });

  it("the form POST variant answers 303 to the registered URI with state, and ends the session", async () => {
    const browser = new Browser();
    const session = await login(browser);
    const res = await browser.post(endSession(), { id_token_hint: session.idToken, post_logout_redirect_uri: BYE, state: "form-state" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), `${BYE}?state=form-state`);
    assert.ok(
      res.headers.getSetCookie().some((c) => /svault_session=;/.test(c) && /Max-Age=0/i.test(c)),
      "the session cookie is cleared",
    );
    await assertSessionEnded(session);
    const tokens = await receiver.tokensFor(session.sid);
    assert.equal(tokens.length, 1);
    await assertLogoutToken(tokens[0] as string, session);
    // The browser must sign in again.
    const page = await browser.redirectOf(
      oidc
        .buildAuthorizationUrl(webapp.config, {
          redirect_uri: REDIRECT_URI,
          scope: "openid",
          code_challenge: (await pkcePair()).challenge,
          code_challenge_method: "S256",
        })
        .toString(),
    );
    assert.equal(page.pathname, "/ui/login");
  });

  it("the form POST without a hint answers 303 to the logged-out page", async () => {
    const res = await new Browser().post(endSession(), { post_logout_redirect_uri: BYE, state: "x" });
    assert.equal(res.status, 303);
    loggedOutPage(new URL(res.headers.get("location") as string));
  });

  it("a session of a client without client_logout_uri ends without a back-channel call", async () => {
    const browser = new Browser();
    const session = await login(browser, plainapp);
    const before = receiver.received.length;
    const url = oidc.buildEndSessionUrl(plainapp.config, { id_token_hint: session.idToken, post_logout_redirect_uri: BYE, state: "p" });
    assert.equal((await browser.redirectOf(url.toString())).toString(), `${BYE}?state=p`);
    await assertSessionEnded(session, plainapp);
    // Once the service's background work is done, any notification would have been received.
    await server.settled();
    assert.equal(receiver.received.length, before, "no logout token for a client that did not ask for one");
  });
});

describe("Sign In is all or nothing", () => {
  /** Authorize and log in over the API in `browser`, up to the Sign In URL (not yet visited). */
  async function loggedIn(browser: Browser): Promise<{ signIn: (authReqId?: string) => string; authReqId: string; verifier: string }> {
    const { verifier, challenge } = await pkcePair();
    const url = oidc.buildAuthorizationUrl(webapp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid offline_access",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st",
    });
    const page = await browser.redirectOf(url.toString());
    const authReqId = page.searchParams.get("auth_req_id") as string;
    const { nonce } = await authClient(server, TENANT, authReqId).login({ username: "alice", secret: SECRET });
    const signIn = (forRequest = authReqId) => {
      const target = new URL(`${server.baseUrl}/api/v1/auth/signin`);
      target.search = new URLSearchParams({ oid_nonce: nonce, auth_req_id: forRequest }).toString();
      return target.toString();
    };
    return { signIn, authReqId, verifier };
  }

  it("a failure while storing the code leaves the login usable: the same Sign In succeeds again", async () => {
    const browser = new Browser();
    const { signIn, verifier } = await loggedIn(browser);
    const fault = await failWrites(server.db.url, "authorization_code", "insert");
    try {
      const failed = await browser.get(signIn());
      assert.ok(failed.status >= 500, `the injected fault fails Sign In: ${failed.status}`);
    } finally {
      await fault.remove();
    }
    const callback = await browser.redirectOf(signIn());
    assert.equal(callback.pathname, new URL(REDIRECT_URI).pathname, `back to the client with a code: ${callback}`);
    const tokens = await oidc.authorizationCodeGrant(webapp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
    assert.equal(await userinfoStatus(tokens.access_token), 200);
  });

  it("a login's nonce presented with another request is refused and stays usable for its own", async () => {
    const browser = new Browser();
    const mine = await loggedIn(browser);
    const other = await loggedIn(new Browser());
    const refused = await browser.redirectOf(mine.signIn(other.authReqId));
    assert.equal(refused.pathname, "/ui/error");
    assert.equal(refused.searchParams.get("error"), "access_denied");
    const callback = await browser.redirectOf(mine.signIn());
    assert.ok(callback.searchParams.get("code"), `the nonce still signs in its own request: ${callback}`);
  });
});
