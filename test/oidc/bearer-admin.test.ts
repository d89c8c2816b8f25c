// Access tokens of the code flow as `Authorization: Bearer` credentials of the admin API, over
// REST and gRPC, with `openid-client` as the application. Only a token meant for the admin API
// (its `aud` names `{PUBLIC_URL}/api`, asked for with admin scopes and/or an RFC 8707 `resource`)
// acts with admin scopes, and then only with the scopes granted in it that the user's current role
// holds; any other token of a user reaches the self-service operations at most. Tokens act in their
// own tenant only and stop working when their session ends or they are revoked; a signed-in user
// revokes their own tokens with a bearer token (RFC 7009).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { decodeJwt, SignJWT } from "jose";
import * as oidc from "openid-client";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import {
  assertOAuthError,
  authClient,
  Browser,
  browserLogin,
  discover,
  heardChange,
  pkcePair,
  REDIRECT_URI,
  type RawAnswer,
  type RelyingParty,
  SECRET,
  send,
  setUpTenant,
} from "./support.js";

const A = "adm-a";
const B = "adm-b";

let server: TestServer;
let adminApi: string;
/** An ordinary application: the default scopes (openid profile email offline_access). */
let webapp: RelyingParty;
let webappAlias: RelyingParty;
/** An administration console: it may also ask for some of the admin API's scopes. */
let adminConsole: RelyingParty;

/**
 * The user's roles changed by hand in the database, as an operator or another instance would:
 * resolved once this instance heard of it (a write behind its back reaches the access tokens'
 * verdicts it keeps then; docs/operations.md, "Caches").
 */
async function setRoles(tenantId: string, username: string, roles: string[]): Promise<void> {
  await until(() => server.running.database.changes.listening, { what: "the change feed hears its heartbeat" });
  const heard = heardChange(server, "app_user", tenantId);
  const updated = (await server.running.database.orm.em
    .getConnection()
    .execute("update app_user set roles = ?::jsonb where tenant_id = ? and username = ? returning id", [
      JSON.stringify(roles),
      tenantId,
      username,
    ])) as unknown[];
  assert.equal(updated.length, 1, `user ${username} of ${tenantId}`);
  await heard;
}

before(async () => {
  server = await startTestServer();
  adminApi = `${server.config.publicUrl}/api`;
  const { clientSecret } = await setUpTenant(server, A, { clientId: "webapp" });
  await setUpTenant(server, B, { clientId: "bclient" });
  const consoleClient = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: A,
    client_id: "console",
    name: "Admin console",
    redirect_uris: [REDIRECT_URI],
    allowed_scopes: ["openid", "profile", "offline_access", "users:read", "users:write", "clients:read"],
    flow: { grant_types: ["authorization_code", "refresh_token", "client_credentials"] },
  });
  assert.equal(consoleClient.status, 201, JSON.stringify(consoleClient.body));
  await authClient(server, A).register({ username: "boss", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  await setRoles(A, "boss", ["tenant_admin"]);
  webapp = await discover(server, `${server.config.publicUrl}/${A}`, "webapp", clientSecret);
  webappAlias = await discover(server, `${server.config.publicUrl}/oidc/${A}`, "webapp", clientSecret);
  adminConsole = await discover(
    server,
    `${server.config.publicUrl}/${A}`,
    "console",
    (consoleClient.body as { client_secret: string }).client_secret,
  );
});
after(() => server.close());

interface Grant {
  readonly accessToken: string;
  readonly idToken: string | undefined;
  readonly refreshToken: string | undefined;
  /** The `scope` of the token response. */
  readonly scope: string;
}

/** A code flow signed in as `username` (a fresh browser each time); `extra` joins the authorization request. */
async function signIn(username: string, rp: RelyingParty, scope: string, extra: Record<string, string> = {}): Promise<Grant> {
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
    ...extra,
  });
  const callback = await browserLogin(server, new Browser(), url, A, username);
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
  return { accessToken: tokens.access_token, idToken: tokens.id_token, refreshToken: tokens.refresh_token, scope: tokens.scope ?? "" };
}

/** An ordinary application's token: what any relying party of the tenant holds. */
const ordinaryToken = async (username: string, rp = webapp) => (await signIn(username, rp, "openid profile")).accessToken;

function bearer(accessToken: string, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  return send(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const grpc = () => createGrpcTransport({ baseUrl: server.grpcUrl });
const withBearer = (accessToken: string) => ({ headers: { authorization: `Bearer ${accessToken}` } });

async function grpcCode(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

const usersOfA = `/api/v1/tenants/${A}/users`;
const newUser = () => ({ username: `made-${Math.random().toString(36).slice(2, 10)}` });

describe("an ordinary relying party's token (aud = the issuer)", () => {
  let adminsToken: string;
  before(async () => {
    adminsToken = await ordinaryToken("boss");
  });

  it("is no admin credential, even of a tenant admin: 403 on List Users and every admin operation", async () => {
    assert.equal(decodeJwt(adminsToken).aud, `${server.config.publicUrl}/${A}`);
    const list = await bearer(adminsToken, "GET", usersOfA);
    assert.equal(list.status, 403, JSON.stringify(list.body));
    assert.deepEqual(Object.keys(list.body as object), ["detail"]);
    assert.equal((await bearer(adminsToken, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 403);
    assert.equal((await bearer(adminsToken, "GET", `/api/v1/tenants/${A}`)).status, 403);
    assert.equal((await bearer(adminsToken, "POST", usersOfA, newUser())).status, 403);
    assert.equal((await bearer(adminsToken, "POST", "/api/v1/clients", { tenant_id: A, client_id: "nope", name: "x" })).status, 403);
  });

  it("the same over gRPC", async () => {
    assert.equal(
      await grpcCode(createClient(UserService, grpc()).listUsers({ tenantId: A }, withBearer(adminsToken))),
      Code.PermissionDenied,
    );
    assert.equal(
      await grpcCode(createClient(ClientService, grpc()).listClients({ tenantId: A }, withBearer(adminsToken))),
      Code.PermissionDenied,
    );
  });

  it("reaches the user's own account with the profile scope: /users/me, own keys and sessions", async () => {
    const me = await bearer(adminsToken, "GET", "/api/v1/users/me");
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal((me.body as { username: string }).username, "boss");
    assert.equal((await bearer(adminsToken, "GET", "/api/v1/users/me/api-keys")).status, 200);
    assert.equal((await bearer(adminsToken, "GET", "/api/v1/auth/sessions")).status, 200);
    assert.equal(await grpcCode(createClient(UserService, grpc()).getCurrentUser({}, withBearer(adminsToken))), "ok");
  });

  it("a key made with it holds no more than the token: admin scopes are refused", async () => {
    const admin = await bearer(adminsToken, "POST", "/api/v1/users/me/api-keys", { name: "k", scopes: ["users:read"], tenant_id: A });
    assert.equal(admin.status, 403, JSON.stringify(admin.body));
    const own = await bearer(adminsToken, "POST", "/api/v1/users/me/api-keys", { name: "k", scopes: ["profile"], tenant_id: A });
    assert.equal(own.status, 201, JSON.stringify(own.body));
  });

  it("without the profile scope it reaches nothing of the admin API", async () => {
    const { accessToken } = await signIn("boss", webapp, "openid");
    assert.equal((await bearer(accessToken, "GET", "/api/v1/users/me")).status, 403);
    assert.equal((await bearer(accessToken, "GET", usersOfA)).status, 403);
  });
});

describe("a token for the admin API", () => {
  let readOnly: Grant;
  before(async () => {
    readOnly = await signIn("boss", adminConsole, "openid users:read");
  });

  it("carries the admin API in aud and the granted admin scopes in scope", () => {
    assert.equal(readOnly.scope, "openid users:read");
    const claims = decodeJwt(readOnly.accessToken);
    assert.deepEqual(claims.aud, [`${server.config.publicUrl}/${A}`, adminApi]);
    assert.equal(claims.scope, "openid users:read");
  });

  it("still works at userinfo, whose audience (the issuer) it keeps", async () => {
    const userinfo = await oidc.fetchUserInfo(adminConsole.config, readOnly.accessToken, decodeJwt(readOnly.accessToken).sub as string);
    assert.equal(userinfo.sub, decodeJwt(readOnly.accessToken).sub);
  });

  it("with users:read lists users (200) but may not write them (403), over REST", async () => {
    const list = await bearer(readOnly.accessToken, "GET", usersOfA);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok((list.body as { data: { username: string }[] }).data.some((u) => u.username === "boss"));
    const write = await bearer(readOnly.accessToken, "POST", usersOfA, newUser());
    assert.equal(write.status, 403, JSON.stringify(write.body));
    assert.equal(
      (await bearer(readOnly.accessToken, "GET", `/api/v1/clients?tenant_id=${A}`)).status,
      403,
      "clients:read was not asked for",
    );
  });

  it("the same over gRPC", async () => {
    const users = createClient(UserService, grpc());
    assert.equal(await grpcCode(users.listUsers({ tenantId: A }, withBearer(readOnly.accessToken))), "ok");
    assert.equal(await grpcCode(users.createUser({ tenantId: A, ...newUser() }, withBearer(readOnly.accessToken))), Code.PermissionDenied);
  });

  it("gets 404 for another tenant, with no data", async () => {
    const res = await bearer(readOnly.accessToken, "GET", `/api/v1/tenants/${B}/users`);
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body as object), ["detail"]);
    assert.equal(
      await grpcCode(createClient(UserService, grpc()).listUsers({ tenantId: B }, withBearer(readOnly.accessToken))),
      Code.NotFound,
    );
  });

  it("asked for with an RFC 8707 resource indicator at authorize and token, writes with users:write", async () => {
    const { verifier, challenge } = await pkcePair();
    const url = oidc.buildAuthorizationUrl(adminConsole.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid users:write",
      resource: adminApi,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st",
    });
    const callback = await browserLogin(server, new Browser(), url, A, "boss");
    const tokens = await oidc.authorizationCodeGrant(
      adminConsole.config,
      callback,
      { pkceCodeVerifier: verifier, expectedState: "st" },
      { resource: adminApi },
    );
    assert.deepEqual(decodeJwt(tokens.access_token).aud, [`${server.config.publicUrl}/${A}`, adminApi]);
    const created = await bearer(tokens.access_token, "POST", usersOfA, newUser());
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  it("keeps its audience and scopes through a refresh, and may narrow them", async () => {
    const grant = await signIn("boss", adminConsole, "openid offline_access users:read clients:read");
    const refreshed = await oidc.refreshTokenGrant(adminConsole.config, grant.refreshToken as string, { scope: "openid users:read" });
    assert.deepEqual(decodeJwt(refreshed.access_token).aud, [`${server.config.publicUrl}/${A}`, adminApi]);
    assert.equal((await bearer(refreshed.access_token, "GET", usersOfA)).status, 200);
    assert.equal((await bearer(refreshed.access_token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 403, "narrowed away");
  });

  it("acts with the user's current role", async () => {
    await setRoles(A, "boss", ["user"]);
    try {
      assert.equal((await bearer(readOnly.accessToken, "GET", usersOfA)).status, 403, "demoted");
    } finally {
      await setRoles(A, "boss", ["tenant_admin"]);
    }
    assert.equal((await bearer(readOnly.accessToken, "GET", usersOfA)).status, 200, "promoted again");
  });

  it("a token of the alias issuer works the same", async () => {
    const aliasConsole = await discover(server, `${server.config.publicUrl}/oidc/${A}`, "console", adminConsole.clientSecret);
    const { accessToken } = await signIn("boss", aliasConsole, "openid users:read");
    assert.deepEqual(decodeJwt(accessToken).aud, [`${server.config.publicUrl}/oidc/${A}`, adminApi]);
    assert.equal((await bearer(accessToken, "GET", usersOfA)).status, 200);
    assert.equal((await bearer(accessToken, "GET", `/api/v1/tenants/${B}/users`)).status, 404);
    assert.equal((await bearer(await ordinaryToken("boss", webappAlias), "GET", usersOfA)).status, 403);
  });

  it("stops working after logout, over REST and gRPC", async () => {
    const { accessToken } = await signIn("boss", adminConsole, "openid profile users:read");
    assert.equal((await bearer(accessToken, "GET", usersOfA)).status, 200);
    assert.equal((await bearer(accessToken, "POST", "/api/v1/auth/logout")).status, 200);
    const after = await bearer(accessToken, "GET", usersOfA);
    assert.equal(after.status, 401, JSON.stringify(after.body));
    assert.equal(
      await grpcCode(createClient(UserService, grpc()).listUsers({ tenantId: A }, withBearer(accessToken))),
      Code.Unauthenticated,
    );
    assert.equal((await bearer(readOnly.accessToken, "GET", usersOfA)).status, 200, "the other session is unaffected");
  });

  it("stops working when revoked (RFC 7009)", async () => {
    const { accessToken } = await signIn("boss", adminConsole, "openid users:read");
    await oidc.tokenRevocation(adminConsole.config, accessToken, { token_type_hint: "access_token" });
    assert.equal((await bearer(accessToken, "GET", usersOfA)).status, 401);
  });
});

describe("a plain user asking for admin scopes", () => {
  it("gets at most what the role allows: the admin scopes are left out of the token", async () => {
    const grant = await signIn("alice", adminConsole, "openid profile users:read users:write");
    assert.equal(grant.scope, "openid profile");
    const claims = decodeJwt(grant.accessToken);
    assert.equal(claims.scope, "openid profile");
    assert.equal(claims.aud, `${server.config.publicUrl}/${A}`, "no admin scope granted: no admin API audience");
    assert.equal((await bearer(grant.accessToken, "GET", usersOfA)).status, 403);
    assert.equal((await bearer(grant.accessToken, "GET", "/api/v1/users/me")).status, 200);
  });
});

describe("audiences and resources", () => {
  /** `token` re-signed with the tenant's current key, with `changes` to its claims. */
  async function resigned(token: string, changes: Record<string, unknown>): Promise<string> {
    const key = await server.running.keys.currentKey(A, "EdDSA");
    return new SignJWT({ ...decodeJwt(token), ...changes })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
      .sign(key.privateKey);
  }

  it("admin scopes in a token whose audience is not the admin API are refused (403)", async () => {
    const { accessToken } = await signIn("boss", adminConsole, "openid users:read");
    // The control: re-signing alone changes nothing.
    assert.equal((await bearer(await resigned(accessToken, {}), "GET", usersOfA)).status, 200);
    const issuerOnly = await resigned(accessToken, { aud: `${server.config.publicUrl}/${A}` });
    assert.equal((await bearer(issuerOnly, "GET", usersOfA)).status, 403);
    const elsewhere = await resigned(accessToken, { aud: ["https://rs.example", adminApi] });
    assert.equal((await bearer(elsewhere, "GET", usersOfA)).status, 401, "not a token of this provider's audiences");
  });

  it("an unknown resource is invalid_target at authorize and at the token endpoint", async () => {
    const { challenge } = await pkcePair();
    const url = oidc.buildAuthorizationUrl(adminConsole.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid users:read",
      resource: "https://rs.example/api",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st",
    });
    const back = await new Browser().redirectOf(url.toString());
    assert.equal(back.searchParams.get("error"), "invalid_target");
    const grant = await signIn("boss", adminConsole, "openid offline_access users:read");
    const refresh = await send(`${server.config.publicUrl}/${A}/token`, {
      form: {
        grant_type: "refresh_token",
        refresh_token: grant.refreshToken as string,
        resource: "https://rs.example/api",
        client_id: "console",
        client_secret: adminConsole.clientSecret as string,
      },
    });
    assertOAuthError(refresh, 400, "invalid_target");
    // Refused before anything was written: the refresh token still works.
    await oidc.refreshTokenGrant(adminConsole.config, grant.refreshToken as string);
  });

  it("a resource without any admin scope is invalid_scope", async () => {
    const { challenge } = await pkcePair();
    const url = oidc.buildAuthorizationUrl(adminConsole.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid profile",
      resource: adminApi,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st",
    });
    assert.equal((await new Browser().redirectOf(url.toString())).searchParams.get("error"), "invalid_scope");
  });
});

describe("a client_credentials token", () => {
  it("has no user, so it is no admin credential", async () => {
    const { access_token } = await oidc.clientCredentialsGrant(webapp.config);
    assert.equal((await bearer(access_token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 401);
    assert.equal((await bearer(access_token, "GET", "/api/v1/users/me/api-keys")).status, 401);
  });

  it("cannot be asked for with admin scopes or for the admin API", async () => {
    const form = { grant_type: "client_credentials", client_id: "console", client_secret: adminConsole.clientSecret as string };
    const token = `${server.config.publicUrl}/${A}/token`;
    assertOAuthError(await send(token, { form: { ...form, scope: "users:read" } }), 400, "invalid_scope");
    assertOAuthError(await send(token, { form: { ...form, resource: adminApi } }), 400, "invalid_target");
    const { access_token } = await oidc.clientCredentialsGrant(adminConsole.config);
    assert.equal(decodeJwt(access_token).scope, "", "the console's admin scopes are not client_credentials scopes");
  });
});

describe("revocation by a signed-in user (RFC 7009 with a bearer token, ROUTES.md #22)", () => {
  const revoke = (accessToken: string, form: Record<string, string>) =>
    send(`${server.baseUrl}/oidc/revoke`, { form, headers: { authorization: `Bearer ${accessToken}` } });

  it("revokes the user's own refresh token: its family is dead", async () => {
    const grant = await signIn("alice", webapp, "openid profile offline_access");
    const res = await revoke(grant.accessToken, { token: grant.refreshToken as string });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body, null);
    await assert.rejects(oidc.refreshTokenGrant(webapp.config, grant.refreshToken as string), { error: "invalid_grant" });
    assert.equal((await bearer(grant.accessToken, "GET", "/api/v1/users/me")).status, 401, "the same grant's access token died too");
  });

  it("answers 200 for someone else's token, which stays valid", async () => {
    const alices = await signIn("alice", webapp, "openid profile offline_access");
    const boss = await signIn("boss", webapp, "openid profile offline_access");
    assert.equal((await revoke(alices.accessToken, { token: boss.refreshToken as string })).status, 200);
    assert.equal((await revoke(alices.accessToken, { token: boss.accessToken, token_type_hint: "access_token" })).status, 200);
    await oidc.refreshTokenGrant(webapp.config, boss.refreshToken as string);
    assert.equal((await bearer(boss.accessToken, "GET", "/api/v1/users/me")).status, 200);
  });

  it("revokes the user's own access token by its jti", async () => {
    const grant = await signIn("alice", webapp, "openid profile");
    const other = await signIn("alice", webapp, "openid profile");
    assert.equal((await revoke(other.accessToken, { token: grant.accessToken, token_type_hint: "access_token" })).status, 200);
    assert.equal((await bearer(grant.accessToken, "GET", "/api/v1/users/me")).status, 401);
  });

  it("refuses a bearer token together with client credentials, and a token without the profile scope", async () => {
    const grant = await signIn("alice", webapp, "openid profile");
    assertOAuthError(await revoke(grant.accessToken, { token: "x", client_id: "webapp" }), 400, "invalid_request");
    const bare = await signIn("alice", webapp, "openid");
    assert.equal((await revoke(bare.accessToken, { token: "x" })).status, 403);
    assertOAuthError(await revoke("garbage", { token: "x" }), 401, "invalid_token");
  });
});
