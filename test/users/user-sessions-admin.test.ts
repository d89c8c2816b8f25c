// An administrator's view of a user's sessions (List User Sessions, Revoke User Sessions): the
// list matches what the user sees of their own; ending one session or all of them works like a
// logout (its tokens stop working, the client gets a back-channel logout token), the user can
// sign in again; the role hierarchy holds, and unknown or foreign sessions and users are 404
// with nothing ended.
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { createSession } from "../../src/domain/oidc/sessions.js";
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
import { createTenant, grpcClient, rest, type SeededUser, seedUserWithKey, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const T = "adm-sess";
const ADMIN_SCOPES = SCOPES.filter((s) => s !== "tenants:admin");

let server: TestServer;
let issuer: string;
let webapp: RelyingParty;
let admin: SeededUser;
const receiver = new BackChannelReceiver(() => server.settled());

before(async () => {
  server = await startTestServer();
  const backchannel = await receiver.start();
  const { clientSecret } = await setUpTenant(server, T, { clientId: "webapp", extra: { client_logout_uri: backchannel } });
  issuer = `${server.config.publicUrl}/${T}`;
  webapp = await discover(server, issuer, "webapp", clientSecret);
  admin = await seedUserWithKey(server, T, ["tenant_admin"], [...ADMIN_SCOPES]);
});
after(async () => {
  await server.close();
  await receiver.close();
});

interface SignedIn {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sid: string;
}

interface SessionJson {
  session_id: string;
  clients: string[];
  current: boolean;
}

async function registered(username: string): Promise<string> {
  await authClient(server, T).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  const [row] = await sql<{ id: string }>(server, "select id from app_user where tenant_id = ? and username = ?", [T, username]);
  assert.ok(row);
  return row.id;
}

/** A sign-in in a browser of its own: a session of its own. */
async function signIn(username: string): Promise<SignedIn> {
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
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token as string, sid };
}

const userinfoStatus = async (accessToken: string) =>
  (await send(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

async function refreshWorks(session: SignedIn): Promise<boolean> {
  try {
    await oidc.refreshTokenGrant(webapp.config, session.refreshToken);
    return true;
  } catch {
    return false;
  }
}

async function listed(key: string, userId: string): Promise<SessionJson[]> {
  const res = await rest(server, key, "GET", `/api/v1/tenants/${T}/users/${userId}/sessions`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const body = res.body as { sessions: SessionJson[]; total: number };
  assert.equal(body.total, body.sessions.length);
  return body.sessions;
}

const revoke = (key: string, userId: string, body: Record<string, string> = {}) =>
  rest(server, key, "POST", `/api/v1/tenants/${T}/users/${userId}/sessions/revoke`, body);

/** The user's live sessions and unrevoked token families, from the database. */
async function live(userId: string): Promise<{ sessions: string[]; families: number }> {
  const sessions = await sql<{ id: string }>(
    server,
    "select id from user_session where tenant_id = ? and user_id = ? and ended_at is null",
    [T, userId],
  );
  const [families] = await sql<{ n: number }>(
    server,
    "select count(*)::int as n from token_family where tenant_id = ? and user_id = ? and revoked_at is null",
    [T, userId],
  );
  return { sessions: sessions.map((s) => s.id).sort(), families: families?.n ?? -1 };
}

/** A session of a user, as Sign In makes one (for users without a credential to sign in with). */
async function sessionOf(userId: string): Promise<string> {
  const em = server.running.database.orm.em.fork();
  const { session } = await createSession(new TenantRepositories(new UnitOfWork(em), T).sessions, {
    userId,
    amr: ["pin"],
    clientId: "webapp",
    issuer,
    ip: "127.0.0.1",
    userAgent: "test",
  });
  return session.id;
}

async function assertBackChannelLogout(session: SignedIn, userId: string): Promise<void> {
  const tokens = await receiver.tokensFor(session.sid);
  assert.equal(tokens.length, 1, `one logout token for session ${session.sid}`);
  const payload = await verifyLogoutToken(tokens[0] as string, issuer, "webapp");
  assert.equal(payload.sub, userId);
}

describe("an administrator and a user's sessions", () => {
  let userId: string;
  let first: SignedIn;
  let second: SignedIn;

  before(async () => {
    userId = await registered("carla");
    first = await signIn("carla");
    second = await signIn("carla");
  });

  it("lists the user's sessions as the user sees their own, over REST and gRPC", async () => {
    const sessions = await listed(admin.key, userId);
    assert.deepEqual(sessions.map((s) => s.session_id).sort(), [first.sid, second.sid].sort());
    for (const session of sessions) {
      assert.deepEqual(session.clients, ["webapp"]);
      assert.equal(session.current, false, "not the administrator's session");
      assert.deepEqual(Object.keys(session).sort(), ["clients", "created_at", "current", "ip", "last_seen_at", "session_id", "user_agent"]);
    }
    const own = await send(`${server.baseUrl}/api/v1/auth/sessions`, { headers: { authorization: `Bearer ${second.accessToken}` } });
    assert.equal(own.status, 200);
    const ownSessions = (own.body as { sessions: SessionJson[] }).sessions;
    assert.deepEqual(
      ownSessions.map(({ current: _current, ...rest }) => rest),
      sessions.map(({ current: _current, ...rest }) => rest),
      "the same sessions the user lists",
    );
    const answer = await grpcClient(server, UserService).listUserSessions({ tenantId: T, userId }, withKey(admin.key));
    assert.deepEqual(answer.sessions.map((s) => s.sessionId).sort(), [first.sid, second.sid].sort());
    assert.equal(answer.total, 2);
  });

  it("ends one session like a logout: its tokens stop working, its client gets a logout token, the other lives on", async () => {
    const res = await revoke(admin.key, userId, { session_id: first.sid });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { session_ids: [first.sid] });
    assert.equal(await userinfoStatus(first.accessToken), 401);
    assert.equal(await refreshWorks(first), false);
    await assertBackChannelLogout(first, userId);
    assert.equal(await userinfoStatus(second.accessToken), 200);
    assert.deepEqual(
      (await listed(admin.key, userId)).map((s) => s.session_id),
      [second.sid],
    );
    const logged = server.logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === "user sessions ended by an administrator");
    assert.deepEqual(logged && { tenantId: logged.tenantId, userId: logged.userId, sessionIds: logged.sessionIds, by: logged.by }, {
      tenantId: T,
      userId,
      sessionIds: [first.sid],
      by: { userId: admin.userId, apiKeyId: admin.keyId },
    });
  });

  it("answers 404 for a session that is not one of the user's active ones, ending nothing", async () => {
    const before = await live(userId);
    const other = await seedUserWithKey(server, T, [], ["profile"]);
    const foreign = await sessionOf(other.userId);
    for (const sessionId of [first.sid, foreign, "no-such-session"]) {
      const res = await revoke(admin.key, userId, { session_id: sessionId });
      assert.equal(res.status, 404, sessionId);
      assert.match((res.body as { detail: string }).detail, /^Session .* not found$/);
    }
    assert.deepEqual(await live(userId), before);
    assert.deepEqual((await live(other.userId)).sessions, [foreign], "another user's session lives on");
  });

  it("ends all the user's sessions without a session_id; the user can sign in again", async () => {
    const res = await revoke(admin.key, userId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { session_ids: [second.sid] });
    assert.equal(await userinfoStatus(second.accessToken), 401);
    assert.equal(await refreshWorks(second), false);
    await assertBackChannelLogout(second, userId);
    assert.deepEqual(await live(userId), { sessions: [], families: 0 });
    assert.deepEqual(await listed(admin.key, userId), []);
    assert.deepEqual((await revoke(admin.key, userId)).body, { session_ids: [] }, "nothing left to end");

    const again = await signIn("carla");
    assert.equal(await userinfoStatus(again.accessToken), 200);
  });

  it("holds the role hierarchy: a tenant admin reads but cannot end a super admin's sessions; a super admin can", async () => {
    const boss = await seedUserWithKey(server, T, ["super_admin"], ["profile"]);
    const session = await sessionOf(boss.userId);
    assert.deepEqual(
      (await listed(admin.key, boss.userId)).map((s) => s.session_id),
      [session],
    );
    const refused = await revoke(admin.key, boss.userId, { session_id: session });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.deepEqual((await live(boss.userId)).sessions, [session], "still live");
    const ended = await revoke(server.adminKey, boss.userId);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.deepEqual((await live(boss.userId)).sessions, []);
  });

  it("answers 404 for an unknown user, and for a user of another tenant", async () => {
    await createTenant(server, "adm-sess-other");
    const stranger = await seedUserWithKey(server, "adm-sess-other", [], ["profile"]);
    for (const id of ["7b0e0c1e-0000-4000-8000-000000000000", "not-a-uuid", stranger.userId]) {
      const list = await rest(server, admin.key, "GET", `/api/v1/tenants/${T}/users/${id}/sessions`);
      assert.equal(list.status, 404, id);
      assert.equal((await revoke(admin.key, id)).status, 404, id);
      // A super admin naming the wrong tenant gets no further.
      assert.equal((await rest(server, server.adminKey, "GET", `/api/v1/tenants/${T}/users/${id}/sessions`)).status, 404, id);
    }
  });
});
