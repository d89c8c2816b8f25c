// Liveness and readiness (src/operations/readiness.ts), and several instances started at once on
// one fresh database (src/persistence/startup-lock.ts).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

async function probe(baseUrl: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("three instances started at once on a fresh database", () => {
  let db: TestDatabase;
  let instances: RunningServer[] = [];
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await db.drop();
  });

  it("migrate and bootstrap it once between them, and all three are ready", async () => {
    const kek = randomBytes(32).toString("base64");
    const generatedKeys: string[] = [];
    const started = await Promise.allSettled(
      [1, 2, 3].map(() =>
        startServer(testConfig({ DATABASE_URL: db.url, SVAULT_KEK: kek }), captureLogs("warn").logger, {
          announce: (text) => generatedKeys.push(text),
        }),
      ),
    );
    instances = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    assert.deepEqual(
      started.filter((result) => result.status === "rejected").map((result) => String((result as PromiseRejectedResult).reason)),
      [],
    );
    assert.equal(generatedKeys.length, 1, "one instance bootstrapped the database and showed its key once");
    for (const instance of instances) {
      assert.equal((await probe(`http://127.0.0.1:${instance.port}`, "/health/ready")).status, 200);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const migrations = await client.query("select name, count(*)::int as n from schema_migrations group by name having count(*) > 1");
      assert.deepEqual(migrations.rows, [], "no migration applied twice");
      const tenants = await client.query("select count(*)::int as n from tenant");
      assert.equal(tenants.rows[0].n, 1);
      const keys = await client.query("select count(*)::int as n from api_key");
      assert.equal(keys.rows[0].n, 1);
    } finally {
      await client.end();
    }
  });
});

describe("liveness and readiness of one instance", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("both answer 200 when everything is in place, readiness with its checks", async () => {
    assert.deepEqual(await probe(server.baseUrl, "/health/live"), { status: 200, body: { status: "ok" } });
    assert.deepEqual(await probe(server.baseUrl, "/health/ready"), {
      status: 200,
      body: { status: "ok", checks: { shutting_down: false, database: true, migrations: true, keys: true } },
    });
  });

  it("a migration this version needs is missing from the database: not ready, still live", async () => {
    const client = new pg.Client({ connectionString: server.db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "delete from schema_migrations where name = (select max(name) from schema_migrations) returning *",
      );
      const ready = await probe(server.baseUrl, "/health/ready");
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { shutting_down: false, database: true, migrations: false, keys: true });
      assert.equal((await probe(server.baseUrl, "/health/live")).status, 200);
      const columns = Object.keys(rows[0]);
      await client.query(
        `insert into schema_migrations (${columns.join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
        columns.map((column) => rows[0][column]),
      );
      assert.equal((await probe(server.baseUrl, "/health/ready")).status, 200);
    } finally {
      await client.end();
    }
  });

  it("another instance with a KEK that does not open the tenants' keys is live but never ready", async () => {
    const wrongKek = await startTestServer({ instanceOf: server, env: { SVAULT_KEK: randomBytes(32).toString("base64") } });
    try {
      const ready = await probe(wrongKek.baseUrl, "/health/ready");
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { shutting_down: false, database: true, migrations: true, keys: false });
      assert.equal((await probe(wrongKek.baseUrl, "/health/live")).status, 200);
    } finally {
      await wrongKek.close();
    }
  });

  it("once shutdown starts, readiness and gRPC health fail at once while requests are still served", async () => {
    const standard = createGrpcJsClient(Health, `127.0.0.1:${server.grpcPort}`);
    try {
      assert.equal((await standard.rpc.check({ service: "" })).status, HealthCheckResponse_ServingStatus.SERVING);
      server.running.readiness.startShutdown();
      assert.deepEqual(await probe(server.baseUrl, "/health/ready"), {
        status: 503,
        body: { status: "unavailable", checks: { shutting_down: true } },
      });
      assert.equal((await standard.rpc.check({ service: "" })).status, HealthCheckResponse_ServingStatus.NOT_SERVING);
      assert.equal((await probe(server.baseUrl, "/health/live")).status, 200);
      assert.equal((await probe(server.baseUrl, "/health")).status, 200, "the reference's /health: the database answers");
      assert.equal((await fetch(`${server.baseUrl}/${server.config.defaultTenant}/.well-known/openid-configuration`)).status, 200);
    } finally {
      standard.close();
    }
  });
});
