// The per-tenant user count behind List Users' total_count without a filter (tenant_user_count,
// kept by statement-level triggers on app_user): exact after every path that inserts or deletes
// users — registration, admin create, batch create with refused rows, delete, batch delete,
// concurrent writers, tenant deletion and renaming — and untouched by rolled-back transactions;
// the migration counts the users that exist when it runs.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { openDatabase } from "../../src/persistence/database.js";
import { executeSql } from "../../src/persistence/execute-sql.js";
import { migratorOf } from "../../src/persistence/migrations/migrator.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { createTenant, rest } from "../support/fixtures.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase } from "../support/test-database.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { RELAXED_BLOCKING, sdk, secretOf, sql } from "../login/login-helpers.js";

type Json = Record<string, unknown>;
const T = "count-a";
const OTHER = "count-b";
const SECRET = secretOf("482915");

let server: TestServer;
before(async () => {
  server = await startTestServer();
  for (const tenant of [T, OTHER]) {
    await createTenant(server, tenant, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  }
});
after(() => server.close());

const create = (username: string, tenant = T) =>
  rest(server, server.adminKey, "POST", `/api/v1/tenants/${tenant}/users`, { username, email: `${username}@example.com` });
const createdId = async (username: string, tenant = T) => {
  const res = await create(username, tenant);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body as Json).user_id as string;
};
const register = (username: string, tenant = T) =>
  sdk(server, tenant).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });

/** total_count of an unfiltered list page (the counter). */
async function listedTotal(tenant = T): Promise<number> {
  const res = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${tenant}/users?limit=1`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return Number((res.body as Json).total_count);
}

async function countedRows(tenant = T): Promise<number> {
  const [row] = await sql<{ n: string }>(server, "select count(*) as n from app_user where tenant_id = ?", [tenant]);
  return Number(row?.n);
}

/** Asserts that the listed total is the tenant's real number of users, and returns it. */
async function exactTotal(tenant = T): Promise<number> {
  const [listed, counted] = await Promise.all([listedTotal(tenant), countedRows(tenant)]);
  assert.equal(listed, counted, `total_count of ${tenant} is ${listed}, the tenant has ${counted} users`);
  return listed;
}

describe("total_count without a filter", () => {
  it("counts registrations and admin-created users, not refused duplicates", async () => {
    const start = await exactTotal();
    await register("reg-one");
    await register("reg-two");
    assert.equal(await exactTotal(), start + 2);
    await createdId("admin-one");
    assert.equal((await create("ADMIN-ONE")).status, 409);
    await assert.rejects(register("reg-one"), /already taken/);
    assert.equal(await exactTotal(), start + 3);
    assert.equal(await exactTotal(OTHER), 0, "another tenant's count is its own");
  });

  it("counts exactly the rows a batch created, with invalid and duplicate rows refused", async () => {
    await createdId("batch-existing");
    const start = await exactTotal();
    const res = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${T}/users/batch`, {
      users: [
        { username: "batch-1" },
        { username: "bad name" },
        { username: "batch-2", email: "batch-2@example.com" },
        { username: "BATCH-1" },
        { username: "batch-existing" },
        { username: "batch-3", email: "batch-existing@example.com" },
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as Json).success_created_count, 2);
    assert.equal(await exactTotal(), start + 2);
    // A batch whose every row is a duplicate inserts nothing: the count does not move.
    const none = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${T}/users/batch`, { users: [{ username: "batch-1" }] });
    assert.equal((none.body as Json).success_created_count, 0);
    assert.equal(await exactTotal(), start + 2);
  });

  it("counts deletions, one and in batches; a refused batch delete changes nothing", async () => {
    const ids = [await createdId("del-1"), await createdId("del-2"), await createdId("del-3")];
    const start = await exactTotal();
    assert.equal((await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/${T}/users/${ids[0]}`)).status, 204);
    assert.equal(await exactTotal(), start - 1);
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${T}/users/batch-delete`, {
      users_ids: [ids[1], ids[2], missing],
    });
    assert.equal(refused.status, 404);
    assert.equal(await exactTotal(), start - 1);
    const done = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${T}/users/batch-delete`, { users_ids: [ids[1], ids[2]] });
    assert.equal(done.status, 200);
    assert.equal(await exactTotal(), start - 3);
  });

  it("stays exact under concurrent registrations, creates and deletes in one tenant", async () => {
    const doomed = await Promise.all(Array.from({ length: 10 }, (_, i) => createdId(`doomed-${i}`)));
    const start = await exactTotal();
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, i) => register(`race-reg-${i}`)),
      // two registrations of one username: one of them is refused
      register("race-same"),
      register("RACE-SAME"),
      ...Array.from({ length: 20 }, (_, i) => createdId(`race-admin-${i}`)),
      ...doomed.map((id) => rest(server, server.adminKey, "DELETE", `/api/v1/tenants/${T}/users/${id}`)),
      rest(server, server.adminKey, "POST", `/api/v1/tenants/${T}/users/batch`, {
        users: Array.from({ length: 30 }, (_, i) => ({ username: `race-batch-${i}` })),
      }),
    ]);
    const failed = outcomes.filter((o) => o.status === "rejected");
    assert.equal(failed.length, 1, "only the second registration of race-same fails");
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /already taken/);
    assert.equal(await exactTotal(), start + 12 + 1 + 20 - 10 + 30);
  });

  it("is untouched by a rolled-back transaction (inserts and deletes)", async () => {
    const victim = await createdId("rollback-victim");
    const start = await exactTotal();
    const em = server.running.database.orm.em.fork();
    const counter = async (tx = em) =>
      Number(
        ((await executeSql(tx, "select users from tenant_user_count where tenant_id = ?", [T], "get")) as { users: string } | undefined)
          ?.users,
      );
    await assert.rejects(
      em.transactional(async (tx) => {
        await executeSql(
          tx,
          `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, roles, created_at, updated_at)
           select gen_random_uuid(), ?, 'rb-' || i, 'rb-' || i, null, null, '[]', now(), now() from generate_series(1, 5) i`,
          [T],
          "run",
        );
        await executeSql(tx, "delete from app_user where tenant_id = ? and id = ?", [T, victim], "run");
        assert.equal(await counter(tx), start + 4, "the transaction sees its own change");
        throw new Error("abort");
      }),
      /abort/,
    );
    assert.equal(await counter(), start);
    assert.equal(await exactTotal(), start);
  });

  it("is the filtered count with a username or e-mail filter", async () => {
    await exactTotal();
    const res = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${T}/users?username=race-admin-1&limit=1`);
    assert.equal((res.body as Json).total_count, 11, "race-admin-1 and race-admin-10 … 19");
    const byMail = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${T}/users?email=batch-2@&limit=1`);
    assert.equal((byMail.body as Json).total_count, 1);
  });
});

describe("the counter and the tenant", () => {
  it("goes with a deleted tenant; a tenant of the same id starts again at zero", async () => {
    const tenant = "count-gone";
    await createTenant(server, tenant);
    for (const name of ["g1", "g2", "g3"]) await createdId(name, tenant);
    assert.equal(await exactTotal(tenant), 3);
    assert.equal((await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/${tenant}`)).status, 204);
    assert.deepEqual(await sql(server, "select * from tenant_user_count where tenant_id = ?", [tenant]), []);
    await createTenant(server, tenant);
    assert.equal(await exactTotal(tenant), 0);
    await createdId("g1", tenant);
    assert.equal(await exactTotal(tenant), 1);
  });

  it("follows a renamed tenant, and a user cannot be moved to another tenant", async () => {
    const tenant = "count-old-name";
    await createTenant(server, tenant);
    const id = await createdId("mover", tenant);
    await createdId("stayer", tenant);
    await sql(server, "update tenant set id = 'count-new-name' where id = ?", [tenant]);
    assert.equal(await exactTotal("count-new-name"), 2);
    const otherBefore = await exactTotal(OTHER);
    await assert.rejects(sql(server, "update app_user set tenant_id = ? where id = ?", [OTHER, id]), /cannot move to another tenant/);
    assert.equal(await exactTotal("count-new-name"), 2);
    assert.equal(await exactTotal(OTHER), otherBefore);
    // An update that names tenant_id without changing it is fine.
    await sql(server, "update app_user set tenant_id = tenant_id, locale = 'de' where id = ?", [id]);
  });

  it("is cleared by a truncation of the users", async () => {
    // In a transaction that is rolled back: the other tests' users stay.
    const em = server.running.database.orm.em.fork();
    await assert.rejects(
      em.transactional(async (tx) => {
        await executeSql(tx, "truncate app_user cascade", [], "run");
        assert.deepEqual(await executeSql(tx, "select * from tenant_user_count"), []);
        await executeSql(
          tx,
          "insert into app_user (id, tenant_id, username, username_normalized, roles, created_at, updated_at) values (?, ?, 'x', 'x', '[]', now(), now())",
          [randomUUID(), T],
          "run",
        );
        assert.deepEqual(
          ((await executeSql(tx, "select tenant_id, users from tenant_user_count")) as Json[]).map((r) => [r.tenant_id, Number(r.users)]),
          [[T, 1]],
        );
        throw new Error("abort");
      }),
      /abort/,
    );
    await exactTotal();
  });
});

describe("the migration", () => {
  it("counts the users that exist before it, and goes down and up again", async () => {
    const db = await createTestDatabase();
    const database = await openDatabase(testConfig({ DATABASE_URL: db.url }), captureLogs("warn").logger);
    try {
      const migrator = migratorOf(database.orm);
      await migrator.up({ to: "Migration20261129001900_users_admin" });
      const em = database.orm.em.fork();
      const seed = async (tenant: string, users: number) => {
        await executeSql(
          em,
          `insert into tenant (id, block_config, login_order, created_at, updated_at) values (?, '{}', '[]', now(), now())`,
          [tenant],
          "run",
        );
        await executeSql(
          em,
          `insert into app_user (id, tenant_id, username, username_normalized, roles, created_at, updated_at)
           select gen_random_uuid(), ?, 'u' || i, 'u' || i, '[]', now(), now() from generate_series(1, ?::int) i`,
          [tenant, users],
          "run",
        );
      };
      await seed("before-a", 7);
      await seed("before-b", 3);
      await seed("before-empty", 0);
      const counts = async () =>
        ((await executeSql(em, "select tenant_id, users from tenant_user_count order by tenant_id")) as Json[]).map((r) => [
          r.tenant_id,
          Number(r.users),
        ]);
      await migrator.up();
      assert.deepEqual(await counts(), [
        ["before-a", 7],
        ["before-b", 3],
      ]);
      // Down to before it (and every later migration), not just the last one.
      await migrator.down({ to: "Migration20261129025324_tenant_user_count" });
      await executeSql(em, "delete from app_user where tenant_id = 'before-b'", [], "run");
      await migrator.up();
      assert.deepEqual(await counts(), [["before-a", 7]]);
    } finally {
      await database.close();
      await db.drop();
    }
  });
});
