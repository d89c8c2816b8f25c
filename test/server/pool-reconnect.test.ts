// The ORM's pool replaces a connection that ended (closed while idle, dropped by the network or by
// the database): the next statement runs on a new one. On the embedded database (PGlite) that new
// connection reaches the same single backend as the old one, which kept the old session's named
// prepared statements: logins then failed with `prepared statement "plain_sql_2" already exists`
// and the audit trail was lost, until a restart. Logins and audit events must go on over the new
// connection, on the embedded database as on Postgres (where the login's statements run on the
// pool when DATABASE_PIPELINES is 0).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer, type TestServerOptions } from "../support/test-server.js";
import { authenticate, ke3Of, loginStep1, proofOf, RELAXED_BLOCKING, registerUser, secretOf, sql } from "../login/login-helpers.js";

const TENANT = "pool-reconnect";
const SECRET = secretOf("271828");

interface KnexClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
  readonly pool: { on(event: "createSuccess", listener: () => void): void };
}

const poolOf = (server: TestServer) => server.running.database.orm.em.getConnection().getKnex().client as KnexClient;

/**
 * Ends the pool's one connection as the pool's idle reaper or a lost network does (the pool finds
 * it ended at the next acquire and connects anew); resolves with a count of the pool's later
 * connections.
 */
async function endPoolConnection(server: TestServer): Promise<() => number> {
  const pool = poolOf(server);
  const connection = await pool.acquireConnection();
  await connection.end();
  await pool.releaseConnection(connection);
  let created = 0;
  pool.pool.on("createSuccess", () => created++);
  return () => created;
}

async function login(server: TestServer): Promise<number> {
  const step = await loginStep1(server, TENANT, "ada", SECRET);
  const ke3 = ke3Of(server, TENANT, "ada", SECRET, step);
  assert.ok(ke3, "the right secret yields a KE3");
  return (await authenticate(server, TENANT, proofOf("ada", step, ke3))).status;
}

async function successfulLogins(server: TestServer): Promise<number> {
  await server.running.events.flush();
  const [row] = await sql<{ n: string }>(
    server,
    "select count(*) as n from auth_event where tenant_id = ? and kind = 'authenticate' and outcome = 'success'",
    [TENANT],
  );
  return Number(row?.n);
}

const databases: [string, TestServerOptions][] = [
  ["the embedded database", { embedded: true }],
  ["Postgres, with the login's statements on the pool", { env: { DATABASE_POOL_MAX: "1", DATABASE_PIPELINES: "0" } }],
];

for (const [name, options] of databases) {
  describe(`a new pooled connection on ${name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(options);
      await createTenant(server, TENANT, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
      await registerUser(server, TENANT, "ada", SECRET);
    });
    after(() => server?.close());

    it("carries on logins and their audit events after the old one ended", async () => {
      assert.equal(await login(server), 200, "a login before");
      assert.equal(await successfulLogins(server), 1);

      const reconnections = await endPoolConnection(server);
      assert.equal(await login(server), 200, "a login on the new connection");
      assert.equal(await login(server), 200, "and another");
      assert.equal(reconnections(), 1, "the pool connected anew");
      assert.equal(await successfulLogins(server), 3, "every login is in the audit trail");
      assert.doesNotMatch(server.logs.text(), /could not record authentication events|unhandled error/);
    });
  });
}
