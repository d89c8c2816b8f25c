// DATABASE_URL in libpq's Unix socket form (`postgres://user@/db?host=/var/run/postgresql`), the
// cheaper path to a Postgres on the same machine: the service starts on it, answers requests
// that need the database, and the connections in its pool are socket ones (pg_stat_activity has
// no client address for those). And a DATABASE_URL it cannot honour stops the process with
// EX_CONFIG, naming the variable.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { startServerProcess } from "../support/server-process.js";
import { tempDir } from "../support/temp-dir.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const SOCKET_DIR = "/var/run/postgresql";
const CLIENT_ADDRESS = "select client_addr::text as address from pg_stat_activity where pid = pg_backend_pid()";

describe("DATABASE_URL with a Unix socket directory", () => {
  let server: TestServer | undefined;

  before(async () => {
    // The scratch database is made over TCP, on the server of TEST_PG_ADMIN_URL; the service then
    // reaches that same server through its socket, whose file name ends in the server's port.
    const admin = new URL(process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
    const port = admin.port || "5432";
    const socket = `${SOCKET_DIR}/.s.PGSQL.${port}`;
    assert.ok(
      existsSync(socket),
      `no Postgres socket at ${socket}: this test needs the machine's Postgres listening on the Unix socket directory ${SOCKET_DIR}`,
    );
    server = await startTestServer({
      // No password: the machine's Postgres trusts local socket connections.
      databaseUrl: (db) => `postgres://${admin.username}@/${db.name}?host=${SOCKET_DIR}&port=${port}`,
    });
  });
  after(() => server?.close());

  it("is what the service runs on", () => {
    const { config } = server as TestServer;
    assert.match(config.databaseUrl ?? "", /^postgres:\/\/[^@]*@\/svault_test_\w+\?host=\/var\/run\/postgresql&port=\d+$/);
    assert.equal(config.databaseConnection?.host, SOCKET_DIR);
  });

  it("serves a request that needs the database", async () => {
    const { baseUrl, adminKey } = server as TestServer;
    const headers = { "x-api-key": adminKey, "content-type": "application/json" };
    const created = await fetch(`${baseUrl}/api/v1/tenants`, {
      method: "POST",
      headers,
      body: JSON.stringify({ tenant_id: "over-socket" }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const read = await fetch(`${baseUrl}/api/v1/tenants/over-socket`, { headers });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { tenant_id: string }).tenant_id, "over-socket");
  });

  it("connects through the socket: its connections have no client address", async () => {
    const { running, db } = server as TestServer;
    // Through the service's own pool.
    const [own] = (await running.database.orm.em.getConnection().execute(CLIENT_ADDRESS)) as { address: string | null }[];
    assert.equal(own?.address, null, "the service's connection is a Unix socket one");
    // Every connection the service holds to its database (application_name svault), not just that one.
    const rows = (await running.database.orm.em
      .getConnection()
      .execute(
        "select count(*)::int as total, count(client_addr)::int as tcp from pg_stat_activity where datname = current_database() and application_name = 'svault'",
      )) as { total: number; tcp: number }[];
    assert.ok((rows[0]?.total ?? 0) >= 1);
    assert.equal(rows[0]?.tcp, 0, "no TCP connection from the service");
    // The same query over TCP does see an address: the check tells the two apart.
    const tcp = new pg.Client({ connectionString: db.url });
    await tcp.connect();
    try {
      const { rows: tcpRows } = await tcp.query<{ address: string | null }>(CLIENT_ADDRESS);
      assert.notEqual(tcpRows[0]?.address, null, "a TCP connection has a client address");
    } finally {
      await tcp.end();
    }
  });
});

describe("a DATABASE_URL the service cannot honour", () => {
  it("stops the process at start with EX_CONFIG, naming DATABASE_URL and not the password", async () => {
    const bad = startServerProcess({
      DATABASE_URL: `postgres://svault:hunter2@/idp?host=${SOCKET_DIR}&sslmode=maybe`,
      DATA_DIR: tempDir("bad-database-url"),
    });
    assert.equal(await bad.exited(), 78);
    const stderr = bad.stderr.join("\n");
    assert.match(stderr, /DATABASE_URL sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got "maybe"/);
    assert.doesNotMatch(stderr, /hunter2/);
  });
});
