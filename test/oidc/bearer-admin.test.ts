// Access tokens of the code flow as `Authorization: Bearer` credentials of the admin API, over
// REST and gRPC: they act with their user's current role in their own tenant only, and stop
// working when their session ends or they are revoked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as oidc from "openid-client";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
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

const A = "adm-a";
const B = "adm-b";

let server: TestServer;
let webapp: RelyingParty;
let webappAlias: RelyingParty;

async function setRoles(tenantId: string, username: string, roles: string[]): Promise<void> {
  const updated = (await server.running.database.orm.em
    .getConnection()
    .execute("update app_user set roles = ?::jsonb where tenant_id = ? and username = ? returning id", [
      JSON.stringify(roles),
      tenantId,
      username,
    ])) as unknown[];
  assert.equal(updated.length, 1, `user ${username} of ${tenantId}`);
}

before(async () => {
  server = await startTestServer();
  const { clientSecret } = await setUpTenant(server, A, { clientId: "webapp" });
  await setUpTenant(server, B, { clientId: "bclient" });
  await authClient(server, A).register({ username: "boss", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  await setRoles(A, "boss", ["tenant_admin"]);
  webapp = await discover(server, `${server.config.publicUrl}/${A}`, "webapp", clientSecret);
  webappAlias = await discover(server, `${server.config.publicUrl}/oidc/${A}`, "webapp", clientSecret);
});
after(() => server.close());

/** The access token of a code flow signed in as `username` (a fresh browser each time). */
async function accessTokenOf(username: string, rp = webapp): Promise<{ accessToken: string; idToken: string }> {
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
  });
  const callback = await browserLogin(server, new Browser(), url, A, username);
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
  return { accessToken: tokens.access_token, idToken: tokens.id_token as string };
}

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

const clientIdsOf = (body: unknown) => (body as { clients: { client_id: string }[] }).clients.map((c) => c.client_id);

describe("a tenant admin's access token", () => {
  let token: string;
  before(async () => {
    ({ accessToken: token } = await accessTokenOf("boss"));
  });

  it("administers its own tenant over REST", async () => {
    const list = await bearer(token, "GET", `/api/v1/clients?tenant_id=${A}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(clientIdsOf(list.body), ["webapp"]);
    assert.equal((await bearer(token, "GET", `/api/v1/clients/webapp?tenant_id=${A}`)).status, 200);
    assert.equal((await bearer(token, "GET", `/api/v1/tenants/${A}`)).status, 200);
    const created = await bearer(token, "POST", "/api/v1/clients", { tenant_id: A, client_id: "made-by-token", name: "by token" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  it("gets 404 for another tenant, with no data", async () => {
    for (const path of [`/api/v1/clients?tenant_id=${B}`, `/api/v1/clients/bclient?tenant_id=${B}`, `/api/v1/tenants/${B}`]) {
      const res = await bearer(token, "GET", path);
      assert.equal(res.status, 404, `${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body as object), ["detail"], path);
    }
    const created = await bearer(token, "POST", "/api/v1/clients", { tenant_id: B, client_id: "intruder", name: "x" });
    assert.equal(created.status, 404, JSON.stringify(created.body));
    const inB = await rest(server, server.adminKey, "GET", `/api/v1/clients?tenant_id=${B}`);
    assert.deepEqual(clientIdsOf(inB.body), ["bclient"], "nothing was created in the other tenant");
  });

  it("works over gRPC with the authorization metadata", async () => {
    const clients = createClient(ClientService, grpc());
    const list = await clients.listClients({ tenantId: A }, withBearer(token));
    assert.ok(list.clients.some((c) => c.clientId === "webapp"));
    assert.equal(await grpcCode(clients.listClients({ tenantId: B }, withBearer(token))), Code.NotFound);
    assert.equal(await grpcCode(clients.listClients({ tenantId: A }, withBearer("not.a.token"))), Code.Unauthenticated);
  });

  it("a token of the alias issuer works the same", async () => {
    const { accessToken } = await accessTokenOf("boss", webappAlias);
    assert.equal((await bearer(accessToken, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 200);
    assert.equal((await bearer(accessToken, "GET", `/api/v1/clients?tenant_id=${B}`)).status, 404);
  });

  it("acts with the user's current role", async () => {
    await setRoles(A, "boss", ["user"]);
    try {
      assert.equal((await bearer(token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 403, "demoted");
    } finally {
      await setRoles(A, "boss", ["tenant_admin"]);
    }
    assert.equal((await bearer(token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 200, "promoted again");
  });

  it("stops working after logout, over REST and gRPC", async () => {
    const { accessToken } = await accessTokenOf("boss");
    assert.equal((await bearer(accessToken, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 200);
    assert.equal((await bearer(accessToken, "POST", "/api/v1/auth/logout")).status, 200);
    const after = await bearer(accessToken, "GET", `/api/v1/clients?tenant_id=${A}`);
    assert.equal(after.status, 401, JSON.stringify(after.body));
    assert.equal(
      await grpcCode(createClient(ClientService, grpc()).listClients({ tenantId: A }, withBearer(accessToken))),
      Code.Unauthenticated,
    );
    assert.equal((await bearer(token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 200, "the other session is unaffected");
  });

  it("stops working when revoked (RFC 7009)", async () => {
    const { accessToken } = await accessTokenOf("boss");
    await oidc.tokenRevocation(webapp.config, accessToken, { token_type_hint: "access_token" });
    assert.equal((await bearer(accessToken, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 401);
  });
});

describe("a plain user's access token", () => {
  let token: string;
  let idToken: string;
  before(async () => {
    ({ accessToken: token, idToken } = await accessTokenOf("alice"));
  });

  it("is refused the admin RPCs (403) but reaches the user's own RPCs (200), over REST", async () => {
    const clients = await bearer(token, "GET", `/api/v1/clients?tenant_id=${A}`);
    assert.equal(clients.status, 403, JSON.stringify(clients.body));
    assert.equal((await bearer(token, "POST", "/api/v1/clients", { tenant_id: A, client_id: "nope", name: "x" })).status, 403);
    const keys = await bearer(token, "GET", "/api/v1/users/me/api-keys");
    assert.equal(keys.status, 200, JSON.stringify(keys.body));
    assert.equal((await bearer(token, "GET", "/api/v1/auth/sessions")).status, 200);
  });

  it("the same over gRPC", async () => {
    assert.equal(
      await grpcCode(createClient(ClientService, grpc()).listClients({ tenantId: A }, withBearer(token))),
      Code.PermissionDenied,
    );
    assert.equal(await grpcCode(createClient(UserService, grpc()).listUserKeys({}, withBearer(token))), "ok");
  });

  it("gets 401 after an RP-initiated logout", async () => {
    const logout = oidc.buildEndSessionUrl(webapp.config, { id_token_hint: idToken });
    assert.equal((await send(logout.toString())).status, 302);
    assert.equal((await bearer(token, "GET", "/api/v1/users/me/api-keys")).status, 401);
    assert.equal(await grpcCode(createClient(UserService, grpc()).listUserKeys({}, withBearer(token))), Code.Unauthenticated);
  });
});

describe("a client_credentials token", () => {
  it("has no user, so it is no admin credential", async () => {
    const { access_token } = await oidc.clientCredentialsGrant(webapp.config);
    assert.equal((await bearer(access_token, "GET", `/api/v1/clients?tenant_id=${A}`)).status, 401);
    assert.equal((await bearer(access_token, "GET", "/api/v1/users/me/api-keys")).status, 401);
  });
});
