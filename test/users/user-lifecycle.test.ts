// What user administration does to a signed-in user: disabling ends their sessions and tokens and
// stops their logins; deleting removes every row that hangs on them; Update Email needs a fresh
// re-authentication proof from the user (not from an administrator) and leaves the address
// unverified with a code on its way.
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
import { grpcClient, rest, type SeededUser, seedUserWithKey, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const T = "life";
const ADMIN_SCOPES = SCOPES.filter((s) => s !== "tenants:admin");

let server: TestServer;
let webapp: RelyingParty;
let admin: SeededUser;

before(async () => {
  server = await startTestServer();
  const { clientSecret } = await setUpTenant(server, T, { clientId: "webapp" });
  webapp = await discover(server, `${server.config.publicUrl}/${T}`, "webapp", clientSecret);
  admin = await seedUserWithKey(server, T, ["tenant_admin"], [...ADMIN_SCOPES]);
});
after(() => server.close());

async function registered(username: string, email?: string): Promise<string> {
  await authClient(server, T).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT, ...(email ? { email } : {}) });
  const [row] = await sql<{ id: string }>(server, "select id from app_user where tenant_id = ? and username = ?", [T, username]);
  assert.ok(row);
  return row.id;
}

async function tokensOf(username: string): Promise<{ accessToken: string; refreshToken: string | undefined }> {
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
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
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

describe("disabling a user", () => {
  it("ends their sessions and tokens (userinfo 401) and makes their logins fail; re-enabling lets them log in again", async () => {
    const userId = await registered("dora");
    const { accessToken } = await tokensOf("dora");
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
    assert.equal((await put(admin.key, `/${userId}`, { username: "dora", is_disabled: false })).status, 200);
    assert.equal(await loginWorks("dora"), true);
    assert.equal((await userinfo(accessToken)).status, 401, "old tokens stay revoked");
  });
});

describe("deleting a user", () => {
  it("removes the user, credential, sessions, tokens and API keys in one go", async () => {
    const userId = await registered("gone");
    await tokensOf("gone");
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
    assert.equal(done.status, 204, JSON.stringify(done.body));
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
  });

  it("lets an administrator change an address without a proof (REST and gRPC), refusing duplicates", async () => {
    const userId = await registered("fred", "fred@example.com");
    assert.equal(
      (await put(admin.key, `/${userId}/email`, { challenge_id: "", challenge_data: "", email: "fred2@example.com" })).status,
      204,
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
