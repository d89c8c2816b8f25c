// What user administration does to a signed-in user: disabling ends their sessions and tokens and
// stops their logins; deleting (one or a batch) removes every row that hangs on them; both send
// back-channel logout tokens to the clients of the ended sessions; an admin-created user gets
// their first credential through the e-mailed reset code; Update Email needs a fresh
// re-authentication proof from the user (not from an administrator) and leaves the address
// unverified until the code mailed to it is used. Disabling and Update Email are all or nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import * as oidc from "openid-client";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { authenticate, ke3Of, loginStep1, proofOf, seedApiKey, sql } from "../login/login-helpers.js";
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
import { BackChannelReceiver, verifyLogoutToken } from "../oidc/backchannel-receiver.js";
import { grpcClient, rest, type SeededUser, seedUserWithKey, withKey } from "../support/fixtures.js";
import { failWrites } from "../support/injected-fault.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp-capture.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const T = "life";
const ADMIN_SCOPES = SCOPES.filter((s) => s !== "tenants:admin");

let capture: SmtpCapture;
let server: TestServer;
let issuer: string;
let webapp: RelyingParty;
let admin: SeededUser;
/** The back-channel logout endpoint of "webapp". */
const receiver = new BackChannelReceiver(() => server.settled());

before(async () => {
  capture = await startSmtpCapture();
  server = await startTestServer({ env: { SMTP_URL: capture.smtpUrl } });
  const backchannel = await receiver.start();
  const { clientSecret } = await setUpTenant(server, T, { clientId: "webapp", extra: { client_logout_uri: backchannel } });
  issuer = `${server.config.publicUrl}/${T}`;
  webapp = await discover(server, issuer, "webapp", clientSecret);
  admin = await seedUserWithKey(server, T, ["tenant_admin"], [...ADMIN_SCOPES]);
});
after(async () => {
  await server.close();
  await receiver.close();
  await capture.close();
});

/** The code of the first mail to `to` (any case) whose subject starts with `subject` (the code is in its link). */
async function mailedCode(to: string, subject: string): Promise<string> {
  const addressed = (address: string) => address.toLowerCase() === to.toLowerCase();
  const mail = await capture.waitForMail((m) => m.to.some(addressed) && m.subject.startsWith(subject));
  const code = /[?&]code=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
  assert.ok(code, `no code in ${mail.text}`);
  return code;
}

async function registered(username: string, email?: string): Promise<string> {
  await authClient(server, T).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT, ...(email ? { email } : {}) });
  const [row] = await sql<{ id: string }>(server, "select id from app_user where tenant_id = ? and username = ?", [T, username]);
  assert.ok(row);
  return row.id;
}

interface SignedIn {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  /** The session (`sid` of the ID token). */
  readonly sid: string;
}

async function tokensOf(username: string): Promise<SignedIn> {
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
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, sid };
}

/** "webapp" got exactly one logout token for the session, valid against the tenant's JWKS. */
async function assertLoggedOutBackChannel(session: SignedIn, userId: string): Promise<void> {
  const tokens = await receiver.tokensFor(session.sid);
  assert.equal(tokens.length, 1, `one logout token for session ${session.sid}`);
  const payload = await verifyLogoutToken(tokens[0] as string, issuer, "webapp");
  assert.equal(payload.sid, session.sid);
  assert.equal(payload.sub, userId);
}

const userinfo = (accessToken: string) =>
  send(`${server.baseUrl}/oidc/userinfo`, { method: "GET", headers: { authorization: `Bearer ${accessToken}` } });

async function loginWorks(username: string): Promise<boolean> {
  try {
    await authClient(server, T).login({ username, secret: SECRET });
    return true;
  } catch {
    return false;
  }
}

/** A finished login run by hand: its challenge id and Authenticate's nonce. */
async function reauthProof(username: string): Promise<{ challenge_id: string; challenge_data: string }> {
  const step = await loginStep1(server, T, username, SECRET);
  const ke3 = ke3Of(server, T, username, SECRET, step);
  assert.ok(ke3);
  const res = await authenticate(server, T, proofOf(username, step, ke3));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { challenge_id: step.challengeId, challenge_data: (res.body as { nonce: string }).nonce };
}

const put = (key: string, path: string, body: unknown) => rest(server, key, "PUT", `/api/v1/tenants/${T}/users${path}`, body);

describe("Get Current User", () => {
  it("answers the user of a bearer access token, over REST and gRPC", async () => {
    const userId = await registered("bea");
    const { accessToken } = await tokensOf("bea");
    const me = await send(`${server.baseUrl}/api/v1/users/me`, { method: "GET", headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal((me.body as { user_id: string }).user_id, userId);
    assert.equal((me.body as { username: string }).username, "bea");
    const answer = await grpcClient(server, UserService).getCurrentUser({}, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(answer.user?.userId, userId);
  });
});

describe("disabling a user", () => {
  it("ends their sessions and tokens (userinfo 401, back-channel logout) and makes their logins fail; re-enabling lets them log in again", async () => {
    const userId = await registered("dora");
    const session = await tokensOf("dora");
    const { accessToken } = session;
    assert.equal((await userinfo(accessToken)).status, 200);
    assert.equal(await loginWorks("dora"), true);
    const res = await put(admin.key, `/${userId}`, { username: "dora", is_disabled: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as { is_disabled: boolean }).is_disabled, true);
    assert.equal((await userinfo(accessToken)).status, 401);
    assert.equal(await loginWorks("dora"), false);
    const live = await sql(server, "select id from user_session where tenant_id = ? and user_id = ? and ended_at is null", [T, userId]);
    assert.deepEqual(live, []);
    const families = await sql(server, "select id from token_family where tenant_id = ? and user_id = ? and revoked_at is null", [
      T,
      userId,
    ]);
    assert.deepEqual(families, []);
    await assertLoggedOutBackChannel(session, userId);
    assert.equal((await put(admin.key, `/${userId}`, { username: "dora", is_disabled: false })).status, 200);
    assert.equal(await loginWorks("dora"), true);
    assert.equal((await userinfo(accessToken)).status, 401, "old tokens stay revoked");
  });
});

describe("administration is all or nothing", () => {
  it("disabling that fails while ending the sessions changes nothing; sent again, it cuts the user off", async () => {
    const userId = await registered("hedy");
    const session = await tokensOf("hedy");
    const fault = await failWrites(server.db.url, "token_family", "update");
    try {
      const failed = await put(admin.key, `/${userId}`, { username: "hedy", is_disabled: true });
      assert.ok(failed.status >= 500, `the injected fault fails the update: ${failed.status} ${JSON.stringify(failed.body)}`);
    } finally {
      await fault.remove();
    }
    const [row] = await sql<{ is_disabled: boolean }>(server, "select is_disabled from app_user where id = ?", [userId]);
    assert.equal(row?.is_disabled, false, "not disabled with live sessions, which enabling again would bring back");
    assert.equal((await userinfo(session.accessToken)).status, 200);

    assert.equal((await put(admin.key, `/${userId}`, { username: "hedy", is_disabled: true })).status, 200);
    assert.equal((await userinfo(session.accessToken)).status, 401);
    await assertLoggedOutBackChannel(session, userId);
    assert.equal((await put(admin.key, `/${userId}`, { username: "hedy", is_disabled: false })).status, 200);
    assert.equal((await userinfo(session.accessToken)).status, 401, "old tokens stay revoked");
  });

  it("an e-mail change that fails while storing its verification code changes nothing; the same proof works again", async () => {
    const userId = await registered("ines", "ines@example.com");
    const key = await seedApiKey(server, T, userId, ["profile"]);
    const proof = await reauthProof("ines");
    const fault = await failWrites(server.db.url, "one_time_code", "insert");
    try {
      const failed = await put(key, `/${userId}/email`, { ...proof, email: "ines2@example.com" });
      assert.ok(failed.status >= 500, `the injected fault fails the change: ${failed.status} ${JSON.stringify(failed.body)}`);
    } finally {
      await fault.remove();
    }
    const [row] = await sql<{ email: string }>(server, "select email from app_user where id = ?", [userId]);
    assert.equal(row?.email, "ines@example.com", "no new address without its verification code");
    assert.equal((await put(key, `/${userId}/email`, { ...proof, email: "ines2@example.com" })).status, 200, "the proof was not spent");
    await mailedCode("ines2@example.com", "Verify");
  });
});

describe("deleting a user", () => {
  it("removes the user, credential, sessions, tokens and API keys in one go", async () => {
    const userId = await registered("gone");
    const session = await tokensOf("gone");
    const key = await seedApiKey(server, T, userId, ["profile"]);
    assert.equal((await rest(server, key, "GET", "/api/v1/users/me")).status, 200);
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const table of ["user_credential", "user_session", "api_key", "refresh_token", "token_family", "authorization_code"]) {
        const [row] = await sql<{ n: number }>(server, `select count(*)::int as n from ${table} where user_id = ?`, [userId]);
        out[table] = row?.n ?? -1;
      }
      return out;
    };
    const initial = await counts();
    const atLeastOne = (table: string) => (initial[table] ?? 0) >= 1;
    assert.ok(["user_credential", "user_session", "api_key", "refresh_token"].every(atLeastOne), JSON.stringify(initial));
    assert.equal((await rest(server, admin.key, "DELETE", `/api/v1/tenants/${T}/users/${userId}`)).status, 204);
    assert.deepEqual(await counts(), {
      user_credential: 0,
      user_session: 0,
      api_key: 0,
      refresh_token: 0,
      token_family: 0,
      authorization_code: 0,
    });
    assert.deepEqual(await sql(server, "select id from app_user where id = ?", [userId]), []);
    assert.equal((await rest(server, key, "GET", "/api/v1/users/me")).status, 401);
    assert.equal(await loginWorks("gone"), false);
    await assertLoggedOutBackChannel(session, userId);
  });

  it("in a batch: every deleted user's sessions are ended over the back channel; a refused batch sends nothing", async () => {
    const ids = [await registered("batch-a"), await registered("batch-b")];
    const sessions = [await tokensOf("batch-a"), await tokensOf("batch-a"), await tokensOf("batch-b")];
    const owners = [ids[0], ids[0], ids[1]] as string[];
    const before = receiver.received.length;
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await rest(server, admin.key, "POST", `/api/v1/tenants/${T}/users/batch-delete`, { users_ids: [...ids, missing] });
    assert.equal(refused.status, 404);
    for (const session of sessions) assert.equal((await userinfo(session.accessToken)).status, 200, "nothing was deleted");

    const done = await rest(server, admin.key, "POST", `/api/v1/tenants/${T}/users/batch-delete`, { users_ids: ids });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body, null);
    for (const [i, session] of sessions.entries()) {
      assert.equal((await userinfo(session.accessToken)).status, 401);
      await assertLoggedOutBackChannel(session, owners[i] as string);
    }
    assert.equal(receiver.received.length - before, sessions.length, "one token per session, none for the refused batch");
  });
});

describe("an admin-created user", () => {
  it("has no credential until the invitation (Request Reset Password) code sets one; then logs in", async () => {
    const made = await rest(server, admin.key, "POST", `/api/v1/tenants/${T}/users`, { username: "ivy", email: "ivy@example.com" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(await loginWorks("ivy"), false);
    await authClient(server, T).requestReset({ username: "ivy", email: "ivy@example.com" });
    const code = await mailedCode("ivy@example.com", "Reset");
    await authClient(server, T).resetWithCode({ code, username: "ivy", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    assert.equal(await loginWorks("ivy"), true);
    const [row] = await sql<{ is_verified: boolean }>(server, "select is_verified from app_user where id = ?", [
      (made.body as { user_id: string }).user_id,
    ]);
    assert.equal(row?.is_verified, true, "the code proved the address");
  });
});

describe("Update Email", () => {
  it("needs a fresh, single-use re-authentication proof of the user; the new address is unverified and gets a code", async () => {
    const userId = await registered("emil", "emil@example.com");
    await sql(server, "update app_user set is_verified = true where id = ?", [userId]);
    const key = await seedApiKey(server, T, userId, ["profile"]);
    const path = `/${userId}/email`;
    const noProof = await put(key, path, { challenge_id: "", challenge_data: "", email: "emil2@example.com" });
    assert.equal(noProof.status, 403, JSON.stringify(noProof.body));
    const forged = await put(key, path, { challenge_id: "x", challenge_data: "not-a-nonce", email: "emil2@example.com" });
    assert.equal(forged.status, 403);

    const proof = await reauthProof("emil");
    const other = await seedUserWithKey(server, T, [], ["profile"]);
    assert.equal((await put(other.key, path, { ...proof, email: "evil@example.com" })).status, 403, "another user's key");
    const done = await put(key, path, { ...proof, email: "Emil2@Example.com" });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body, null, "the reference answers the JSON null");
    const [row] = await sql<{ email: string; is_verified: boolean }>(server, "select email, is_verified from app_user where id = ?", [
      userId,
    ]);
    assert.deepEqual(row, { email: "Emil2@Example.com", is_verified: false });
    const codes = await sql(server, "select hash from one_time_code where user_id = ? and purpose = 'verify_email' and email = ?", [
      userId,
      "emil2@example.com",
    ]);
    assert.equal(codes.length, 1, "a verification code was issued for the new address");
    const replay = await put(key, path, { ...proof, email: "emil3@example.com" });
    assert.equal(replay.status, 403, "the proof is single use");

    const code = await mailedCode("emil2@example.com", "Verify");
    assert.equal((await send(`${server.baseUrl}/api/v1/auth/verify-email?code=${code}`, { method: "GET" })).status, 200);
    const [verified] = await sql<{ is_verified: boolean }>(server, "select is_verified from app_user where id = ?", [userId]);
    assert.equal(verified?.is_verified, true, "the mailed code verifies the new address");
  });

  it("lets an administrator change an address without a proof (REST and gRPC), refusing duplicates", async () => {
    const userId = await registered("fred", "fred@example.com");
    assert.equal(
      (await put(admin.key, `/${userId}/email`, { challenge_id: "", challenge_data: "", email: "fred2@example.com" })).status,
      200,
    );
    await registered("gina", "gina@example.com");
    assert.equal(
      (await put(admin.key, `/${userId}/email`, { challenge_id: "", challenge_data: "", email: "GINA@example.com" })).status,
      409,
    );
    const client = grpcClient(server, UserService);
    await client.updateEmail({ tenantId: T, userId, email: "fred3@example.com" }, withKey(admin.key));
    const [row] = await sql<{ email: string }>(server, "select email from app_user where id = ?", [userId]);
    assert.equal(row?.email, "fred3@example.com");
    try {
      await client.updateEmail(
        { tenantId: T, userId, email: "fred4@example.com" },
        withKey(await seedApiKey(server, T, userId, ["profile"])),
      );
      assert.fail("a user without a proof");
    } catch (error) {
      assert.equal(ConnectError.from(error).code, Code.PermissionDenied);
    }
  });
});
