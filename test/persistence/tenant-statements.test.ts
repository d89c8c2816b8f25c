// The statement check of issue 15: every statement the server sends on a tenant-owned table names
// `tenant_id` (test/support/statement-audit.ts: the rule, its short allow-list, the hook). The
// server is driven through the API only — two tenants, each with a client and a user — over the
// flows that touch tenant-owned tables: administration of tenants, keys, clients, API keys and
// users, the code flow, refresh rotation (and its reuse grace), client credentials, userinfo,
// revocation, sessions, RP-initiated logout with and without a hint, JWKS and discovery, and the
// housekeeping sweep. The test itself sends no SQL while it records.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { deleteExpiredRows } from "../../src/persistence/expired-rows.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { Browser, basicAuth, browserLogin, discover, pkcePair, REDIRECT_URI, type RawAnswer, send, setUpTenant } from "../oidc/support.js";
import { rest } from "../support/fixtures.js";
import { recordStatements, type StatementLog, TENANT_OWNED_TABLES, tenantTablesOf, untenanted } from "../support/statement-audit.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let log: StatementLog;

const A = "stmt-a";
const B = "stmt-b";

function bearer(method: string, path: string, accessToken: string, body?: unknown): Promise<RawAnswer> {
  return send(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function ok(answer: Promise<{ status: number; body: unknown }>, status = 200): Promise<unknown> {
  const { status: got, body } = await answer;
  assert.equal(got, status, JSON.stringify(body));
  return body;
}

/** The OIDC flows of one tenant's client, from authorization to logout. */
async function oidcFlows(tenantId: string, clientSecret: string): Promise<void> {
  const issuer = `${server.config.publicUrl}/${tenantId}`;
  const rp = await discover(server, issuer, "webapp", clientSecret);
  const browser = new Browser({ "user-agent": "statement-check" });
  const { verifier, challenge } = await pkcePair();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile email offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
  });
  const callback = await browserLogin(server, browser, url, tenantId);
  await oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: "st" });
  // A replayed code revokes its family.
  const replay = await send(`${issuer}/token`, {
    form: {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") ?? "",
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    },
    headers: { authorization: basicAuth("webapp", clientSecret) },
  });
  assert.equal(replay.status, 400);

  // A second authorization by single sign-on, then refresh, reuse within the grace, userinfo, the
  // sessions API (ending them all), revocation.
  const second = await pkcePair();
  const sso = await browser.redirectOf(
    oidc
      .buildAuthorizationUrl(rp.config, {
        redirect_uri: REDIRECT_URI,
        scope: "openid profile offline_access",
        code_challenge: second.challenge,
        code_challenge_method: "S256",
        state: "s2",
      })
      .toString(),
  );
  const fresh = await oidc.authorizationCodeGrant(rp.config, sso, { pkceCodeVerifier: second.verifier, expectedState: "s2" });
  const rotated = await oidc.refreshTokenGrant(rp.config, fresh.refresh_token as string);
  const reissued = await send(`${issuer}/token`, {
    form: { grant_type: "refresh_token", refresh_token: fresh.refresh_token as string },
    headers: { authorization: basicAuth("webapp", clientSecret) },
  });
  assert.ok([200, 400].includes(reissued.status), JSON.stringify(reissued.body));
  await ok(send(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${rotated.access_token}` } }));
  await ok(bearer("GET", "/api/v1/auth/sessions", rotated.access_token));
  await ok(bearer("POST", "/api/v1/auth/sessions/revoke-all", rotated.access_token));
  await ok(
    send(`${issuer}/revoke`, {
      form: { token: rotated.access_token, token_type_hint: "access_token" },
      headers: { authorization: basicAuth("webapp", clientSecret) },
    }),
  );
  await ok(
    send(`${issuer}/revoke`, {
      form: { token: rotated.refresh_token as string },
      headers: { authorization: basicAuth("webapp", clientSecret) },
    }),
  );
  const machine = await send(`${issuer}/token`, {
    form: { grant_type: "client_credentials" },
    headers: { authorization: basicAuth("webapp", clientSecret) },
  });
  assert.equal(machine.status, 200, JSON.stringify(machine.body));
  await ok(send(`${issuer}/.well-known/jwks.json`));
  await ok(send(`${issuer}/.well-known/openid-configuration`));

  // Sessions ended by logout with a hint, and by the browser's cookie without one.
  const third = await pkcePair();
  const again = await browserLogin(
    server,
    browser,
    oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      code_challenge: third.challenge,
      code_challenge_method: "S256",
      state: "s3",
      prompt: "login",
    }),
    tenantId,
  );
  const last = await oidc.authorizationCodeGrant(rp.config, again, { pkceCodeVerifier: third.verifier, expectedState: "s3" });
  const logout = new URL(`${server.baseUrl}/api/v1/auth/oidc/logout`);
  logout.searchParams.set("id_token_hint", last.id_token as string);
  await browser.redirectOf(logout.toString());
  const fourth = await pkcePair();
  await browserLogin(
    server,
    browser,
    oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      code_challenge: fourth.challenge,
      code_challenge_method: "S256",
      state: "s4",
    }),
    tenantId,
  );
  const confirmed = await browser.post(`${server.baseUrl}/api/v1/auth/oidc/logout`, {});
  assert.ok([302, 303].includes(confirmed.status));
}

/** The admin API over one tenant's resources. */
async function administration(tenantId: string): Promise<void> {
  const key = server.adminKey;
  await ok(rest(server, key, "GET", `/api/v1/tenants/${tenantId}`));
  await ok(rest(server, key, "PUT", `/api/v1/tenants/${tenantId}`, { display_name: "Renamed" }));
  await ok(rest(server, key, "GET", `/api/v1/tenants/${tenantId}/keys`));
  await ok(rest(server, key, "POST", `/api/v1/tenants/${tenantId}/keys/rotate`, { alg: "EdDSA" }));
  await ok(rest(server, key, "GET", `/api/v1/clients?tenant_id=${tenantId}`));
  await ok(
    rest(server, key, "POST", "/api/v1/clients", {
      tenant_id: tenantId,
      client_id: "extra",
      name: "extra",
      redirect_uris: [REDIRECT_URI],
      client_type: "confidential",
    }),
    201,
  );
  await ok(rest(server, key, "GET", `/api/v1/clients/extra?tenant_id=${tenantId}`));
  await ok(
    rest(server, key, "PUT", "/api/v1/clients/extra", {
      tenant_id: tenantId,
      name: "renamed",
      redirect_uris: [REDIRECT_URI],
      client_type: "confidential",
    }),
  );
  await ok(rest(server, key, "POST", `/api/v1/tenants/${tenantId}/clients/extra/secret`, {}));
  await ok(rest(server, key, "DELETE", `/api/v1/clients/extra?tenant_id=${tenantId}`), 204);

  const created = (await ok(
    rest(server, key, "POST", "/api/v1/api-keys", { tenant_id: tenantId, name: "k", scopes: ["users:read"] }),
    201,
  )) as {
    key_id: string;
  };
  await ok(rest(server, key, "GET", `/api/v1/api-keys?tenant_id=${tenantId}`));
  await ok(rest(server, key, "POST", `/api/v1/api-keys/${created.key_id}/regenerate`, {}));
  await ok(rest(server, key, "DELETE", `/api/v1/api-keys/${created.key_id}`), 204);
  await ok(rest(server, key, "GET", "/api/v1/users/me/api-keys"));

  const user = (await ok(
    rest(server, key, "POST", `/api/v1/tenants/${tenantId}/users`, { username: "carol", email: "carol@example.com" }),
    201,
  )) as {
    user_id: string;
  };
  await ok(rest(server, key, "GET", `/api/v1/tenants/${tenantId}/users?limit=5`));
  await ok(rest(server, key, "GET", `/api/v1/tenants/${tenantId}/users/by-name/carol`));
  await ok(rest(server, key, "PUT", `/api/v1/tenants/${tenantId}/users/${user.user_id}`, { username: "carol", is_disabled: true }));
  await ok(rest(server, key, "GET", `/api/v1/tenants/${tenantId}/blocked-ips`));
  await ok(rest(server, key, "DELETE", `/api/v1/tenants/${tenantId}/users/${user.user_id}`), 204);
}

before(async () => {
  server = await startTestServer();
  const a = await setUpTenant(server, A, { clientId: "webapp" });
  const b = await setUpTenant(server, B, { clientId: "webapp" });
  log = recordStatements();
  for (const [tenantId, secret] of [
    [A, a.clientSecret as string],
    [B, b.clientSecret as string],
  ] as const) {
    await oidcFlows(tenantId, secret);
    await administration(tenantId);
  }
  await server.running.events.flush();
  await deleteExpiredRows(new UnitOfWork(server.running.database.orm.em.fork()));
  await ok(rest(server, server.adminKey, "DELETE", `/api/v1/tenants/${B}`), 204);
  log.stop();
});
after(() => server.close());

describe("every statement on a tenant-owned table names its tenant", () => {
  it("no statement the server sent breaks the rule", () => {
    const broken = [...new Set(log.statements)].flatMap((statement) => {
      const why = untenanted(statement);
      return why ? [`${why}: ${statement.slice(0, 240)}`] : [];
    });
    assert.deepEqual(broken, []);
  });

  it("the flows reached the tenant-owned tables the check is about", () => {
    const touched = new Set(log.statements.flatMap(tenantTablesOf));
    // Login bookkeeping, throttling, setups and one-time codes are checked by the same rule in
    // login-repositories-isolation.test.ts, the user counter by the users' own tests;
    // the tables of SCIM groups, passkeys, PAR, DPoP and the Entra MFA flow are their own features'
    // (test/scim, test/passkeys, test/oidc/*par*/dpop, test/mfa), which run the same rule's
    // repositories, and the face tables are checked by this rule in face-sign-in.test.ts; these
    // flows are the core OIDC and administration paths.
    const OTHER_FEATURES = [
      "blocked_user",
      "login_throttle",
      "opaque_setup",
      "one_time_code",
      "tenant_user_count",
      "user_group",
      "user_group_member",
      "passkey_credential",
      "passkey_challenge",
      "pushed_authorization_request",
      "used_jti",
      "entra_settings",
      "entra_user_link",
      "mfa_flow",
      "face_challenge",
      "face_template",
      "face_result",
      "liveness_rollup",
    ];
    const expected = TENANT_OWNED_TABLES.filter((table) => !OTHER_FEATURES.includes(table));
    assert.deepEqual(
      expected.filter((table) => !touched.has(table)),
      [],
      "tables no recorded statement touched",
    );
    assert.ok(log.statements.length > 200, `${log.statements.length} statements recorded`);
  });

  it("the rule itself: what it accepts and refuses", () => {
    assert.equal(untenanted("select c.id from client c where c.tenant_id = $1 and c.client_id = $2"), undefined);
    assert.equal(untenanted('select "c0".* from "client" as "c0" where "c0"."tenant_id" = $1'), undefined);
    assert.equal(untenanted("insert into token_family (id, tenant_id, client_id) values ($1, $2, $3)"), undefined);
    assert.equal(untenanted('update "user_session" set "last_seen_at" = $1 where "id" = $2'), undefined, "an ORM write by primary key");
    assert.equal(untenanted("select tenant_id from user_session /* cross-tenant: a logout cookie */ where id = $1"), undefined);
    assert.match(untenanted("select tenant_id from user_session where id = $1") ?? "", /user_session/, "naming the column is no condition");
    assert.match(untenanted("update token_family set revoked_at = now() where id = $1") ?? "", /token_family/);
    assert.match(untenanted("delete from login_nonce where hash = $1") ?? "", /login_nonce/);
    assert.equal(untenanted("select 1"), undefined, "no tenant-owned table");
    assert.equal(untenanted("update rate_limit set hits = 1"), undefined, "rate_limit is not tenant-owned (scope column, no tenant)");
  });
});
