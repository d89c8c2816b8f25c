// What the user repository sends to the database, statement by statement: List Users keeps its
// index-aware strategies (docs/performance.md, "Users at scale") and its two statements per page;
// the other methods their single statements; a deletion its fixed sequence, none of which leaves
// the tenant. Statements are seen through knex's `query` event, as the database receives them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import type { UserListQuery } from "../../src/persistence/repositories/user-list-query.js";
import type { UserRepository } from "../../src/persistence/repositories/user-repository.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
let seen: string[] = [];
const TENANT = "stmts";

const users = (): UserRepository => new TenantRepositories(new UnitOfWork(t.orm.em.fork()), TENANT).users;
const page = (query: Partial<UserListQuery>): UserListQuery => ({
  usernamePrefix: "",
  emailPrefix: "",
  sortBy: "created_at",
  direction: "desc",
  limit: 10,
  offset: 0,
  ...query,
});

before(async () => {
  t = await openTestOrm();
  const em = t.orm.em.fork();
  em.create(TenantEntity, {
    id: TENANT,
    blockConfig: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 },
    loginOrder: ["PIN"],
  });
  await em.flush();
  await t.orm.em.getConnection().execute(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, roles, created_at, updated_at)
     select gen_random_uuid(), ?, 'u' || i, 'u' || i, 'u' || i || '@example.com', 'u' || i || '@example.com', '[]', now(), now()
     from generate_series(1, 30) as i`,
    [TENANT],
  );
  t.orm.em
    .getConnection()
    .getKnex()
    .on("query", (q: { sql: string }) => seen.push(q.sql.replace(/\s+/g, " ")));
});
after(() => t.close());
beforeEach(() => {
  seen = [];
});

describe("List Users statements", () => {
  it("unfiltered: the page and the tenant's kept count (no count(*) over its users)", async () => {
    const result = await users().list(page({}));
    assert.equal(result.totalCount, 30);
    assert.equal(result.data.length, 10);
    assert.equal(seen.length, 2, seen.join("\n"));
    assert.ok(seen.some((s) => s.startsWith("select users from tenant_user_count where tenant_id = 'stmts'")));
    assert.ok(!seen.some((s) => s.includes("count(*)")));
  });

  it("filtered and sorted by the filter's column: a range scan of that index and a count", async () => {
    const result = await users().list(page({ usernamePrefix: "u1", sortBy: "username", direction: "asc" }));
    assert.equal(result.totalCount, 11, "u1, u10 … u19");
    assert.deepEqual(
      result.data.map((user) => user.username),
      ["u1", "u10", "u11", "u12", "u13", "u14", "u15", "u16", "u17", "u18"],
    );
    assert.equal(seen.length, 2, seen.join("\n"));
    assert.ok(seen.some((s) => s.includes(`order by username_normalized collate "C" asc, id asc limit 11 offset 0`)));
    assert.ok(!seen.some((s) => s.includes("materialized")));
  });

  it("filtered on one column, sorted by another: the count first, then the few matches gathered and sorted", async () => {
    const result = await users().list(page({ emailPrefix: "u2", sortBy: "username", direction: "desc", limit: 3 }));
    assert.equal(result.totalCount, 11, "u2, u20 … u29");
    assert.equal(result.hasNext, true);
    assert.deepEqual(
      result.data.map((user) => user.username),
      ["u29", "u28", "u27"],
    );
    assert.equal(seen.length, 2, seen.join("\n"));
    assert.match(
      seen[0] ?? "",
      /^select count\(\*\) as n from app_user where tenant_id = 'stmts' and email_normalized collate "C" like 'u2%'/,
    );
    assert.match(seen[1] ?? "", /^with matches as materialized \(select .* from app_user where tenant_id = 'stmts' and email_normalized/);
  });
});

describe("the other statements", () => {
  it("reads, writes and the nonce proof are one statement each", async () => {
    const repository = users();
    const [first] = (await repository.list(page({ limit: 1 }))).data;
    assert.ok(first);
    seen = [];
    await repository.find(first.id);
    await repository.findByUsername("u1");
    await repository.update(first.id, {
      username: first.username,
      usernameNormalized: first.username,
      email: first.email,
      emailNormalized: first.email,
      isDisabled: false,
      isVerified: false,
      locale: "",
      roles: [],
      externalId: null,
    });
    await repository.changeEmail(first.id, "x@example.com", "x@example.com");
    await repository.revokeTokenFamilies(first.id);
    await repository.consumeLoginNonce(first.id, Buffer.alloc(32));
    await repository.lockRoles([first.id, "not-a-uuid"]);
    assert.equal(seen.length, 7, seen.join("\n"));
    assert.ok(seen.every((s) => s.includes("tenant_id = 'stmts'")));
  });

  it("an id that is no uuid, and an empty batch, reach no statement", async () => {
    const repository = users();
    assert.equal(await repository.find("not-a-uuid"), undefined);
    assert.deepEqual(await repository.lockRoles(["not-a-uuid"]), []);
    assert.deepEqual([...(await repository.insertMany([]))], []);
    assert.deepEqual(await repository.deleteWithDependents([]), []);
    assert.deepEqual(seen, []);
  });

  it("a deletion clears the dependents (passkeys and their challenges included), the sessions and the users: twelve statements, each in the tenant", async () => {
    const id = randomUUID();
    await t.orm.em
      .getConnection()
      .execute(
        "insert into app_user (id, tenant_id, username, username_normalized, roles, created_at, updated_at) values (?, ?, 'gone', 'gone', '[]', now(), now())",
        [id, TENANT],
      );
    seen = [];
    await new TenantRepositories(new UnitOfWork(t.orm.em.fork()), TENANT).transactional((tx) => tx.users.deleteWithDependents([id]));
    const statements = seen.filter((s) => !/^(BEGIN|COMMIT)/.test(s));
    assert.equal(statements.length, 12, statements.join("\n"));
    assert.ok(statements.every((s) => s.includes("tenant_id = 'stmts'")));
    assert.deepEqual(seen.filter((s) => /^(BEGIN|COMMIT)/.test(s)).length, 2, "one transaction");
  });
});
