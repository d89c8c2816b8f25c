// Access tokens' liveness verdicts kept in memory (src/domain/oidc/live-token-verdicts.ts), over
// HTTP, on two instances of the service on one Postgres: for each way the service ends a token's
// life, userinfo and introspection at the instance that made the change refuse the token on the
// very next request, and the other instance refuses it as soon as its change feed has heard the
// commit's notification — both having answered from memory before. The test waits for the
// notification, never for the clock. (The bound without a listening connection, ordinary traffic
// that notifies nothing, and the triggers' coverage: live-token-verdicts.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Change } from "../../src/persistence/change-feed.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { registerClient } from "./oauth4webapi-support.js";
import {
  authClient,
  authorizeUrl,
  Browser,
  basicAuth,
  browserLogin,
  pkcePair,
  REDIRECT_URI,
  SECRET,
  send,
  setUpTenant,
  heardChange,
} from "./support.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";

const T = "verdicts";
const BYE = "http://localhost:4000/bye";
let first: TestServer;
let second: TestServer;
let webappSecret: string;
let apiSecret: string;

before(async () => {
  first = await startTestServer();
  second = await startTestServer({ instanceOf: first });
  webappSecret = (await setUpTenant(first, T, { clientId: "webapp" })).clientSecret as string;
  apiSecret = (await registerClient(first, T, "api")) as string;
  await until(() => first.running.database.changes.listening && second.running.database.changes.listening, {
    what: "both instances hear their heartbeats",
  });
});
after(async () => {
  await second.close();
  await first.close();
});

const issuerAt = (server: TestServer, tenantId = T) => `${server.config.publicUrl}/${tenantId}`;

/** The next change `server` hears of `table` in `tenantId`. */
const heard = (server: TestServer, table: Change["table"], tenantId = T) => heardChange(server, table, tenantId);

interface Session {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly id_token: string;
  readonly sub: string;
}

let users = 0;
/** A new user of the tenant signed in through the code flow at the first instance, in a browser of their own. */
async function signIn(): Promise<Session & { username: string }> {
  const username = `user${++users}`;
  await authClient(first, T).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  const { verifier, challenge } = await pkcePair();
  const url = authorizeUrl(issuerAt(first), {
    response_type: "code",
    client_id: "webapp",
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const code = (await browserLogin(first, new Browser(), url, T, username)).searchParams.get("code") as string;
  const res = await send(`${issuerAt(first)}/token`, {
    form: { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    headers: { authorization: basicAuth("webapp", webappSecret) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const tokens = res.body as Session;
  const claims = await userinfo(first, tokens.access_token);
  return { ...tokens, sub: claims.sub as string, username };
}

/** Userinfo's claims; fails the test on anything but 200. */
async function userinfo(server: TestServer, accessToken: string): Promise<Record<string, unknown>> {
  const res = await send(`${issuerAt(server)}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown>;
}

async function introspect(server: TestServer, token: string): Promise<Record<string, unknown>> {
  const res = await send(`${issuerAt(server)}/introspect`, { form: { token }, headers: { authorization: basicAuth("api", apiSecret) } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown>;
}

/** Both instances take the token (and so hold its verdict). */
async function acceptedOnBoth(accessToken: string): Promise<void> {
  for (const server of [first, second]) {
    await userinfo(server, accessToken);
    assert.equal((await introspect(server, accessToken)).active, true);
  }
}

/** Refused at userinfo (401 invalid_token) and inactive at introspection. */
async function assertRefused(server: TestServer, accessToken: string, context: string): Promise<void> {
  const res = await send(`${issuerAt(server)}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(res.status, 401, `${context}: userinfo ${JSON.stringify(res.body)}`);
  assert.deepEqual(await introspect(server, accessToken), { active: false }, `${context}: introspection`);
}

/** `write` at the first instance ends `accessToken`'s life: refused there at once, at the second once it heard `table`. */
async function endsEverywhere(accessToken: string, table: Change["table"], write: () => Promise<void>): Promise<void> {
  await acceptedOnBoth(accessToken);
  const secondHears = heard(second, table);
  await write();
  await assertRefused(first, accessToken, "at the instance that wrote");
  await secondHears;
  await assertRefused(second, accessToken, "at the other instance");
}

const api = (method: string, path: string, body?: unknown) => rest(first, first.adminKey, method, path, body);

describe("a token's life ended at one instance: refused there at once, at the other once it hears of it", () => {
  it("the revocation endpoint revokes the access token", async () => {
    const session = await signIn();
    await endsEverywhere(session.access_token, "revoked_access_token", async () => {
      const res = await send(`${issuerAt(first)}/revoke`, {
        form: { token: session.access_token, token_type_hint: "access_token" },
        headers: { authorization: basicAuth("webapp", webappSecret) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  it("the revocation endpoint revokes the refresh token, and its family with it", async () => {
    const session = await signIn();
    await endsEverywhere(session.access_token, "token_family", async () => {
      const res = await send(`${issuerAt(first)}/revoke`, {
        form: { token: session.refresh_token },
        headers: { authorization: basicAuth("webapp", webappSecret) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  it("a rotated refresh token presented again revokes its family (reuse detection)", async () => {
    const session = await signIn();
    const refresh = (token: string) =>
      send(`${issuerAt(first)}/token`, {
        form: { grant_type: "refresh_token", refresh_token: token },
        headers: { authorization: basicAuth("webapp", webappSecret) },
      });
    const rotated = await refresh(session.refresh_token);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const next = rotated.body as Session;
    // The successor used too: the first token is no longer within the reuse grace's reissue.
    assert.equal((await refresh(next.refresh_token)).status, 200);
    await endsEverywhere(next.access_token, "token_family", async () => {
      assert.equal((await refresh(session.refresh_token)).status, 400);
    });
  });

  it("the user logs out (their session ends)", async () => {
    const session = await signIn();
    await endsEverywhere(session.access_token, "user_session", async () => {
      const res = await send(`${first.baseUrl}/api/v1/auth/logout`, {
        method: "POST",
        headers: { authorization: `Bearer ${session.access_token}` },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  it("RP-initiated logout with the ID token as hint", async () => {
    const session = await signIn();
    await endsEverywhere(session.access_token, "user_session", async () => {
      const url = new URL(`${first.baseUrl}/api/v1/auth/oidc/logout`);
      url.search = new URLSearchParams({ id_token_hint: session.id_token, post_logout_redirect_uri: BYE, state: "s" }).toString();
      const res = await fetch(url, { redirect: "manual" });
      assert.ok(res.status === 302 || res.status === 303, `logout answered ${res.status}`);
    });
  });

  it("an administrator disables the user", async () => {
    const session = await signIn();
    const path = `/api/v1/tenants/${T}/users/${session.sub}`;
    await endsEverywhere(session.access_token, "app_user", async () => {
      const user = (await api("GET", path)).body as Record<string, unknown>;
      const res = await api("PUT", path, { ...user, is_disabled: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  it("an administrator deletes the user", async () => {
    const session = await signIn();
    await endsEverywhere(session.access_token, "app_user", async () => {
      assert.equal((await api("DELETE", `/api/v1/tenants/${T}/users/${session.sub}`)).status, 204);
    });
  });

  it("a client's own token (client_credentials) once its client is deleted", async () => {
    const secret = (await registerClient(first, T, "doomed-client")) as string;
    const issued = await send(`${issuerAt(first)}/token`, {
      form: { grant_type: "client_credentials" },
      headers: { authorization: basicAuth("doomed-client", secret) },
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = (issued.body as Session).access_token;
    for (const server of [first, second]) assert.equal((await introspect(server, token)).active, true);
    const secondHears = heard(second, "client");
    assert.equal((await api("DELETE", `/api/v1/clients/doomed-client?tenant_id=${T}`)).status, 204);
    assert.deepEqual(await introspect(first, token), { active: false });
    await secondHears;
    assert.deepEqual(await introspect(second, token), { active: false });
  });
});

describe("a user's fields edited at one instance: userinfo shows them there at once, at the other once it hears of it", () => {
  it("a renamed user's preferred_username and an e-mail address", async () => {
    const session = await signIn();
    await acceptedOnBoth(session.access_token);
    assert.equal((await userinfo(second, session.access_token)).preferred_username, session.username);
    const path = `/api/v1/tenants/${T}/users/${session.sub}`;
    const secondHears = heard(second, "app_user");
    const user = (await api("GET", path)).body as Record<string, unknown>;
    const renamed = `${session.username}-renamed`;
    assert.equal((await api("PUT", path, { ...user, username: renamed })).status, 200);
    assert.equal((await userinfo(first, session.access_token)).preferred_username, renamed);
    assert.equal((await introspect(first, session.access_token)).username, renamed);
    await secondHears;
    assert.equal((await userinfo(second, session.access_token)).preferred_username, renamed);
    assert.equal((await introspect(second, session.access_token)).username, renamed);
  });
});

describe("a deleted tenant", () => {
  it("its tokens are refused at the other instance once it hears of it", async () => {
    const tenant = "verdicts-doomed";
    const secret = (await setUpTenant(first, tenant, { clientId: "webapp" })).clientSecret as string;
    const issued = await send(`${issuerAt(first, tenant)}/token`, {
      form: { grant_type: "client_credentials" },
      headers: { authorization: basicAuth("webapp", secret) },
    });
    const token = (issued.body as Session).access_token;
    const check = (server: TestServer) =>
      send(`${issuerAt(server, tenant)}/introspect`, { form: { token }, headers: { authorization: basicAuth("webapp", secret) } });
    for (const server of [first, second]) assert.equal(((await check(server)).body as { active: boolean }).active, true);
    const secondHears = heard(second, "tenant", tenant);
    assert.equal((await api("DELETE", `/api/v1/tenants/${tenant}`)).status, 204);
    await secondHears;
    for (const server of [first, second]) assert.notEqual(((await check(server)).body as { active?: boolean }).active, true);
  });
});
