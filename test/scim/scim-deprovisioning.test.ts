// Deprovisioning over SCIM acts like the admin API: `active=false` (Entra's PATCH, Okta's PUT)
// stops the user's logins at once, ends their sessions, revokes their tokens and tells the
// session's clients (back-channel logout); `active=true` lets them log in again with the same
// secret; DELETE removes them. A user SCIM creates has no secret: they set one through the reset
// e-mail, as an admin-created user does.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { sql } from "../login/login-helpers.js";
import { BackChannelReceiver, verifyLogoutToken } from "../oidc/backchannel-receiver.js";
import {
  authClient,
  Browser,
  browserLogin,
  discover,
  pkcePair,
  REDIRECT_URI,
  type RelyingParty,
  SECRET,
  send,
  setUpTenant,
} from "../oidc/support.js";
import { seedUserWithKey } from "../support/fixtures.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp-capture.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { filtered, type Json, patchOp, type ScimClient, scimClient } from "./scim-client.js";

const T = "deprov";
let server: TestServer;
let webapp: RelyingParty;
let issuer: string;
let scim: ScimClient;
let capture: SmtpCapture;
const receiver = new BackChannelReceiver(() => server.settled());

before(async () => {
  capture = await startSmtpCapture();
  server = await startTestServer({ env: { SMTP_URL: capture.smtpUrl } });
  const backchannel = await receiver.start();
  const { clientSecret } = await setUpTenant(server, T, { clientId: "webapp", extra: { client_logout_uri: backchannel } });
  issuer = `${server.config.publicUrl}/${T}`;
  webapp = await discover(server, issuer, "webapp", clientSecret);
  const provisioning = await seedUserWithKey(server, T, ["tenant_admin"], ["scim"]);
  scim = scimClient(server, T, provisioning.key);
});
after(async () => {
  await server.close();
  await receiver.close();
  await capture.close();
});

async function registered(username: string): Promise<string> {
  await authClient(server, T).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT, email: `${username}@example.com` });
  const found = await scim("GET", filtered("/Users", `userName eq "${username}"`));
  const id = (found.body.Resources as Json[])[0]?.id;
  assert.equal(typeof id, "string");
  return id as string;
}

async function signIn(username: string): Promise<{ accessToken: string; sid: string }> {
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(webapp.config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
  });
  const callback = await browserLogin(server, new Browser(), url, T, username);
  const tokens = await oidc.authorizationCodeGrant(webapp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
  const sid = tokens.claims()?.sid;
  assert.ok(typeof sid === "string");
  return { accessToken: tokens.access_token, sid };
}

async function loginWorks(username: string): Promise<boolean> {
  try {
    await authClient(server, T).login({ username, secret: SECRET });
    return true;
  } catch {
    return false;
  }
}

const userinfo = (accessToken: string) =>
  send(`${server.baseUrl}/oidc/userinfo`, { method: "GET", headers: { authorization: `Bearer ${accessToken}` } });

describe("deactivation over SCIM", () => {
  it('Entra\'s PATCH active "False" cuts the user off at once; "True" lets them log in again', async () => {
    const userId = await registered("dora");
    const session = await signIn("dora");
    assert.equal((await userinfo(session.accessToken)).status, 200);

    const off = await scim("PATCH", `/Users/${userId}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(await loginWorks("dora"), false, "a disabled user cannot sign in");
    assert.equal((await userinfo(session.accessToken)).status, 401, "tokens are revoked");
    const live = await sql(server, "select id from user_session where tenant_id = ? and user_id = ? and ended_at is null", [T, userId]);
    assert.deepEqual(live, [], "sessions ended");
    const families = await sql(server, "select id from token_family where tenant_id = ? and user_id = ? and revoked_at is null", [
      T,
      userId,
    ]);
    assert.deepEqual(families, [], "refresh tokens revoked");
    const [logout] = await receiver.tokensFor(session.sid);
    assert.ok(logout, "the client heard of it (back-channel logout)");
    assert.equal((await verifyLogoutToken(logout, issuer, "webapp")).sub, userId);

    const on = await scim("PATCH", `/Users/${userId}`, patchOp({ op: "Replace", value: { active: "True" } }));
    assert.equal(on.body.active, true);
    assert.equal(await loginWorks("dora"), true);
  });

  it("Okta's PUT with active=false does the same, and DELETE removes the user", async () => {
    const userId = await registered("olaf");
    assert.equal(await loginWorks("olaf"), true);
    const current = (await scim("GET", `/Users/${userId}`)).body;
    const off = await scim("PUT", `/Users/${userId}`, { ...current, active: false });
    assert.equal(off.status, 200);
    assert.equal(await loginWorks("olaf"), false);
    assert.equal((await scim("DELETE", `/Users/${userId}`)).status, 204);
    assert.deepEqual(await sql(server, "select id from app_user where id = ?", [userId]), []);
  });

  it("a user created over SCIM has no secret until the invitation (Request Reset Password) code sets one", async () => {
    const created = await scim("POST", "/Users", {
      userName: "newbie",
      password: "Ignored1!",
      emails: [{ value: "newbie@example.com", primary: true }],
    });
    assert.equal(created.status, 201);
    assert.equal(await loginWorks("newbie"), false);
    const credentials = await sql(server, "select user_id from user_credential where user_id = ?", [created.body.id]);
    assert.deepEqual(credentials, [], "password sets nothing");
    await authClient(server, T).requestReset({ username: "newbie", email: "newbie@example.com" });
    const mail = await capture.waitForMail((m) => m.to.includes("newbie@example.com") && m.subject.startsWith("Reset"));
    const code = /[?&]code=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(code, `no code in ${mail.text}`);
    await authClient(server, T).resetWithCode({ code, username: "newbie", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    assert.equal(await loginWorks("newbie"), true);
  });
});
