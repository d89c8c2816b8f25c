// The token path's caches (docs/operations.md, "Caches") across two instances of the service on
// one Postgres: what one instance changes — a client's secret or redirect URIs (CORS), a tenant's
// keys, the tenant itself — the other stops answering from memory as soon as the commit's
// notification reaches it. The test waits for that notification (the instance's change feed),
// never for the clock. The instance that made the change does not wait at all. (How long an
// instance may be behind when its listening connection falls silent: change-feed-heartbeat.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { Change } from "../../src/persistence/change-feed.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { registerClient } from "./oauth4webapi-support.js";
import { send, setUpTenant } from "./support.js";

const TENANT = "cached";
let first: TestServer;
let second: TestServer;

before(async () => {
  first = await startTestServer();
  second = await startTestServer({ instanceOf: first });
  await setUpTenant(first, TENANT, { clientId: "unused" });
});
after(async () => {
  await second.close();
  await first.close();
});

/** The next change `server` hears that matches. */
function heard(server: TestServer, matches: (change: Change) => boolean): Promise<Change> {
  return new Promise((resolve) => {
    const stop = server.running.database.changes.onChange((change) => {
      if (!matches(change)) return;
      stop();
      resolve(change);
    });
  });
}
const of = (table: Change["table"], tenantId: string) => (change: Change) => change.table === table && change.tenantId === tenantId;

const at = (server: TestServer, tenantId: string, path: string) => `${server.baseUrl}/${tenantId}${path}`;

function clientCredentials(server: TestServer, tenantId: string, clientId: string, secret: string) {
  return send(at(server, tenantId, "/token"), { form: { grant_type: "client_credentials", client_id: clientId, client_secret: secret } });
}

describe("caches across two instances", () => {
  it("both instances listen for changes on the database", async () => {
    // Listening means a heartbeat heard within the last second: awaited, as a start-up that kept the
    // event loop busy may have delayed one.
    await until(() => first.running.database.changes.listening && second.running.database.changes.listening, {
      what: "both instances hear their heartbeats",
    });
  });

  it("a client's regenerated secret: the old one is refused at once where it changed, and at the other instance once it hears of it", async () => {
    const secret = (await registerClient(first, TENANT, "svc")) as string;
    // Both instances now hold the client in memory.
    assert.equal((await clientCredentials(first, TENANT, "svc", secret)).status, 200);
    assert.equal((await clientCredentials(second, TENANT, "svc", secret)).status, 200);

    const secondHears = heard(second, of("client", TENANT));
    const regenerated = await rest(first, first.adminKey, "POST", `/api/v1/tenants/${TENANT}/clients/svc/secret`);
    assert.equal(regenerated.status, 200, JSON.stringify(regenerated.body));
    const newSecret = (regenerated.body as { client_secret: string }).client_secret;
    assert.equal((await clientCredentials(first, TENANT, "svc", secret)).status, 401);
    assert.equal((await clientCredentials(first, TENANT, "svc", newSecret)).status, 200);

    await secondHears;
    const refused = await clientCredentials(second, TENANT, "svc", secret);
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { error: string }).error, "invalid_client");
    assert.equal((await clientCredentials(second, TENANT, "svc", newSecret)).status, 200);
  });

  it("a deleted client is refused at the other instance once it hears of it", async () => {
    const secret = (await registerClient(first, TENANT, "gone")) as string;
    assert.equal((await clientCredentials(second, TENANT, "gone", secret)).status, 200);
    const secondHears = heard(second, of("client", TENANT));
    assert.equal((await rest(first, first.adminKey, "DELETE", `/api/v1/clients/gone?tenant_id=${TENANT}`)).status, 204);
    await secondHears;
    assert.equal((await clientCredentials(second, TENANT, "gone", secret)).status, 401);
  });

  it("JWKS: an ETag, 304 for If-None-Match, and the rotated key at the other instance once it hears of it", async () => {
    const before = await fetch(at(second, TENANT, "/.well-known/jwks.json"));
    const etag = before.headers.get("etag");
    assert.ok(etag?.startsWith('"'), `an ETag: ${etag}`);
    assert.match(before.headers.get("cache-control") ?? "", /public/);
    const kidsBefore = ((await before.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

    const unchanged = await fetch(at(second, TENANT, "/.well-known/jwks.json"), { headers: { "if-none-match": etag as string } });
    assert.equal(unchanged.status, 304);
    assert.equal(await unchanged.text(), "");
    assert.equal(unchanged.headers.get("etag"), etag);

    const secondHears = heard(second, of("tenant_key", TENANT));
    const rotated = await rest(first, first.adminKey, "POST", `/api/v1/tenants/${TENANT}/keys/rotate`, { alg: "EdDSA" });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const newKid = (rotated.body as { key: { kid: string } }).key.kid;
    await secondHears;

    const after = await fetch(at(second, TENANT, "/.well-known/jwks.json"), { headers: { "if-none-match": etag as string } });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get("etag"), etag);
    const kidsAfter = ((await after.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    assert.ok(kidsAfter.includes(newKid), "the new key is published");
    assert.ok(
      kidsBefore.every((kid) => kidsAfter.includes(kid)),
      "the old keys stay published for their grace period",
    );
  });

  it("discovery and JWKS of a deleted tenant answer 404 at the other instance once it hears of it", async () => {
    await setUpTenant(first, "doomed", { clientId: "c" });
    assert.equal((await send(at(second, "doomed", "/.well-known/openid-configuration"))).status, 200);
    assert.equal((await send(at(second, "doomed", "/.well-known/jwks.json"))).status, 200);
    const secondHears = heard(second, of("tenant", "doomed"));
    assert.equal((await rest(first, first.adminKey, "DELETE", "/api/v1/tenants/doomed")).status, 204);
    await secondHears;
    assert.equal((await send(at(second, "doomed", "/.well-known/openid-configuration"))).status, 404);
    assert.equal((await send(at(second, "doomed", "/.well-known/jwks.json"))).status, 404);
  });

  it("a change made outside the service (SQL by hand) reaches the instances too", async () => {
    const secret = (await registerClient(first, TENANT, "locked-by-hand")) as string;
    assert.equal((await clientCredentials(second, TENANT, "locked-by-hand", secret)).status, 200);
    const secondHears = heard(second, of("client", TENANT));
    const sql = new pg.Client({ connectionString: first.db.url });
    await sql.connect();
    try {
      await sql.query("update client set is_lock = true where tenant_id = $1 and client_id = $2", [TENANT, "locked-by-hand"]);
    } finally {
      await sql.end();
    }
    await secondHears;
    assert.equal((await clientCredentials(second, TENANT, "locked-by-hand", secret)).status, 401);
  });

  it("CORS: an origin removed from a client's redirect URIs is refused at the other instance once it hears of it", async () => {
    const allowed = async (server: TestServer, origin: string) => {
      const preflight = await fetch(at(server, TENANT, "/token"), {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
      return preflight.headers.get("access-control-allow-origin") === origin;
    };
    await registerClient(first, TENANT, "spa-moving", { redirect_uris: ["https://old-home.example/cb"] });
    // Both instances now hold the tenant's origins in memory.
    assert.equal(await allowed(first, "https://old-home.example"), true);
    assert.equal(await allowed(second, "https://old-home.example"), true);
    assert.equal(await allowed(second, "https://new-home.example"), false);

    const secondHears = heard(second, of("client", TENANT));
    const moved = await rest(first, first.adminKey, "PUT", "/api/v1/clients/spa-moving", {
      client_id: "spa-moving",
      tenant_id: TENANT,
      name: "spa-moving",
      redirect_uris: ["https://new-home.example/cb"],
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(await allowed(first, "https://old-home.example"), false);
    await secondHears;
    assert.equal(await allowed(second, "https://old-home.example"), false);
    assert.equal(await allowed(second, "https://new-home.example"), true);
  });

  it("an instance whose listening connection drops stops trusting its caches, and listens again", async () => {
    const changes = second.running.database.changes;
    const dropped = heard(second, (change) => change.table === "*" && !changes.listening);
    const sql = new pg.Client({ connectionString: first.db.url });
    await sql.connect();
    try {
      const { rowCount } = await sql.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'svault-changes'",
      );
      assert.equal(rowCount, 2, "both instances listen");
    } finally {
      await sql.end();
    }
    await dropped;
    await heard(second, (change) => change.table === "*" && changes.listening);
  });
});
