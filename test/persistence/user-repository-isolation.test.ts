// Tenant isolation of the user repository, structurally: every method, run for tenant A with
// tenant B's ids, usernames, e-mail addresses and nonces, sees none of B's users and changes none
// of B's rows (every tenant-owned table compared before and after). A positive control next to
// each shows that the same call does act on A's own data, so a method that lost its tenant
// predicate would fail here. The one deliberate cross-tenant read (the caller's own user) is
// tested for being just that.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { CrossTenantUserLookup } from "../../src/persistence/repositories/cross-tenant-user-lookup.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import type { NewStoredUser, UserRepository } from "../../src/persistence/repositories/user-repository.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
const A = "iso-a";
const B = "iso-b";

const query = (text: string, params: unknown[] = []) => t.orm.em.getConnection().execute(text, params);
const usersOf = (tenantId: string): UserRepository => new TenantRepositories(new UnitOfWork(t.orm.em.fork()), tenantId).users;

// ── Local isolation harness ────────────────────────────────────────────────────────────────
// A stand-in for the shared harness repo-admin is building in test/support (not on this branch
// yet); the lead switches these tests to it after merging. `untouched(tenant, work)` runs `work`
// and asserts that every row of every tenant-owned table (a table with a tenant_id column) of
// `tenant` is as it was.

async function tenantOwnedTables(): Promise<string[]> {
  const rows = (await query(
    "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by table_name",
  )) as { table_name: string }[];
  return rows.map((row) => row.table_name);
}

async function dumpOf(tenantId: string): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of await tenantOwnedTables()) {
    const rows = (await query(`select to_jsonb(t) as row from "${table}" t where tenant_id = ?`, [tenantId])) as { row: unknown }[];
    dump[table] = rows.map((r) => JSON.stringify(r.row)).sort();
  }
  return dump;
}

async function untouched<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
  const before = await dumpOf(tenantId);
  const result = await work();
  assert.deepEqual(await dumpOf(tenantId), before, `tenant ${tenantId}'s rows changed`);
  return result;
}
// ── end of the local harness ───────────────────────────────────────────────────────────────

interface Seeded {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly nonce: Buffer;
}

const tenantRow = (id: string) => ({
  id,
  blockConfig: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 },
  loginOrder: ["PIN"],
});

/** A user of `tenantId` with everything that can hang on a user: tokens, codes, a nonce, a challenge, a key, a credential, a live session. */
async function seedUser(tenantId: string, username: string, roles: string[] = []): Promise<Seeded> {
  const id = randomUUID();
  const email = `${username}@example.com`;
  const nonce = randomBytes(32);
  const session = randomBytes(9).toString("hex");
  const family = randomBytes(9).toString("hex");
  await query(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified, locale, roles, external_id, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, false, true, '', ?::jsonb, null, now(), now())`,
    [id, tenantId, username, username, email, email, JSON.stringify(roles)],
  );
  await query(
    `insert into user_session (id, tenant_id, user_id, secret_hash, auth_time, amr, clients, client_issuers, created_at, last_seen_at)
     values (?, ?, ?, ?, now(), '["pin"]', '["app"]', '{"app": "https://issuer"}', now(), now())`,
    [session, tenantId, id, randomBytes(32)],
  );
  await query("insert into token_family (id, tenant_id, client_id, user_id, session_id, created_at) values (?, ?, 'app', ?, ?, now())", [
    family,
    tenantId,
    id,
    session,
  ]);
  await query(
    `insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr, expires_at, created_at)
     values (?, ?, ?, 'app', ?, ?, 'openid', 'https://issuer', now(), '["pin"]', now() + interval '1 day', now())`,
    [randomBytes(32), tenantId, family, id, session],
  );
  await query(
    `insert into authorization_code (hash, tenant_id, family_id, client_id, user_id, session_id, redirect_uri, scope, issuer, auth_time, amr, expires_at)
     values (?, ?, ?, 'app', ?, ?, 'https://app/cb', 'openid', 'https://issuer', now(), '["pin"]', now() + interval '1 minute')`,
    [randomBytes(32), tenantId, family, id, session],
  );
  await query(
    "insert into login_nonce (hash, tenant_id, user_id, amr, expires_at, created_at) values (?, ?, ?, '[\"pin\"]', now() + interval '5 minutes', now())",
    [nonce, tenantId, id],
  );
  await query(
    `insert into one_time_code (hash, tenant_id, user_id, purpose, email, expires_at, created_at)
     values (?, ?, ?, 'verify_email', ?, now() + interval '1 day', now())`,
    [randomBytes(32), tenantId, id, email],
  );
  await query(
    `insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, proto_version, expires_at, created_at)
     values (?, ?, 'login', ?, ?, 'v1', now() + interval '5 minutes', now())`,
    [randomBytes(9).toString("hex"), tenantId, username, id],
  );
  await query("insert into api_key (id, tenant_id, user_id, scopes, secret_hash, created_at) values (?, ?, ?, '[]', ?, now())", [
    randomBytes(8).toString("hex"),
    tenantId,
    id,
    randomBytes(32),
  ]);
  await query(
    "insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at) values (?, ?, 'c1', ?, 'v1', now())",
    [id, tenantId, randomBytes(16)],
  );
  return { id, username, email, nonce };
}

let a: Seeded;
let b1: Seeded;
let b2: Seeded;

before(async () => {
  t = await openTestOrm();
  const em = t.orm.em.fork();
  em.create(TenantEntity, tenantRow(A));
  em.create(TenantEntity, tenantRow(B));
  await em.flush();
  a = await seedUser(A, "shared-ann");
  b1 = await seedUser(B, "shared-bob", ["tenant_admin"]);
  b2 = await seedUser(B, "shared-cid");
});
after(() => t.close());

const newUser = (username: string, id: string = randomUUID()): NewStoredUser => ({
  id,
  username,
  usernameNormalized: username,
  email: `${username}@example.com`,
  emailNormalized: `${username}@example.com`,
  isDisabled: false,
  isVerified: false,
  locale: "",
  roles: [],
  externalId: null,
});

describe("the user repository of tenant A, against tenant B's data", () => {
  it("find: B's user is not there, with or without a lock; A's is", async () => {
    await untouched(B, async () => {
      const users = usersOf(A);
      assert.equal(await users.find(b1.id), undefined);
      assert.equal(await users.find(b1.id, { lock: true }), undefined);
      assert.equal((await users.find(a.id))?.tenantId, A);
    });
  });

  it("findByUsername: B's username is not there; A's is", async () => {
    await untouched(B, async () => {
      assert.equal(await usersOf(A).findByUsername(b1.username), undefined);
      assert.equal((await usersOf(A).findByUsername(a.username))?.id, a.id);
    });
  });

  it("list: no filter, sort or prefix shows a user of B, and the totals are A's", async () => {
    await untouched(B, async () => {
      const users = usersOf(A);
      for (const sortBy of ["created_at", "username", "email"] as const) {
        for (const direction of ["asc", "desc"] as const) {
          for (const [usernamePrefix, emailPrefix] of [
            ["", ""],
            ["shared", ""],
            ["", "shared"],
            ["shared", "shared"],
            [b1.username, ""],
          ] as const) {
            const page = await users.list({ usernamePrefix, emailPrefix, sortBy, direction, limit: 100, offset: 0 });
            const label = JSON.stringify({ sortBy, direction, usernamePrefix, emailPrefix });
            assert.ok(
              page.data.every((user) => user.tenantId === A),
              label,
            );
            assert.equal(page.totalCount, usernamePrefix === b1.username ? 0 : 1, label);
            assert.equal(page.data.length, page.totalCount, label);
          }
        }
      }
    });
  });

  it("insert: B's username and e-mail are free in A; B's id is taken (ids are global) and B keeps its user", async () => {
    await untouched(B, async () => {
      const users = usersOf(A);
      const created = await users.insert(newUser(b2.username));
      assert.equal(created.tenantId, A);
      await assert.rejects(users.insert(newUser("taken-id", b2.id)), /app_user_pkey/);
      await query("delete from app_user where id = ?", [created.id]);
    });
  });

  it("update and changeEmail: B's user is not found and stays as it was; A's changes", async () => {
    await untouched(B, async () => {
      const users = usersOf(A);
      assert.equal(await users.update(b1.id, { ...newUser("hijacked"), isDisabled: true, roles: ["super_admin"] }), undefined);
      await users.changeEmail(b1.id, "hijacked@example.com", "hijacked@example.com");
    });
    const users = usersOf(A);
    assert.equal((await users.update(a.id, { ...newUser(a.username), locale: "fr" }))?.locale, "fr");
    await users.changeEmail(a.id, "ann2@example.com", "ann2@example.com");
    assert.equal((await users.find(a.id))?.email, "ann2@example.com");
    await users.changeEmail(a.id, a.email, a.email);
  });

  it("insertMany: B's usernames are created in A, the row with B's id is refused, B unchanged", async () => {
    const created = await untouched(B, () => usersOf(A).insertMany([newUser(b1.username), newUser("batch-b-id", b2.id)]));
    assert.deepEqual([...created], [b1.username]);
    await query("delete from app_user where tenant_id = ? and username_normalized = ?", [A, b1.username]);
  });

  it("lockRoles: B's users are not found; A's are", async () => {
    await untouched(B, async () => {
      const uow = new UnitOfWork(t.orm.em.fork());
      await uow.transactional(async (tx) => {
        const users = new TenantRepositories(tx, A).users;
        assert.deepEqual(await users.lockRoles([b1.id, b2.id]), []);
        assert.deepEqual(await users.lockRoles([a.id, b1.id]), [{ id: a.id, roles: [] }]);
      });
    });
  });

  it("deleteWithDependents: nothing of B's users goes, not their tokens, codes, nonces, challenges, keys, credentials or sessions", async () => {
    const ended = await untouched(B, () =>
      new TenantRepositories(new UnitOfWork(t.orm.em.fork()), A).transactional((tx) => tx.users.deleteWithDependents([b1.id, b2.id])),
    );
    assert.deepEqual(ended, []);
  });

  it("revokeTokenFamilies and consumeLoginNonce: B's families stay live, B's nonce stays usable", async () => {
    await untouched(B, async () => {
      const users = usersOf(A);
      await users.revokeTokenFamilies(b1.id);
      assert.equal(await users.consumeLoginNonce(b1.id, b1.nonce), false);
    });
    assert.equal(await usersOf(B).consumeLoginNonce(b1.id, b1.nonce), true, "the nonce was B's to consume");
    assert.equal(await usersOf(A).consumeLoginNonce(a.id, a.nonce), true);
  });

  it("deleteWithDependents of A's own user: its dependents and live session go, B's stay", async () => {
    const ended = await untouched(B, () =>
      new TenantRepositories(new UnitOfWork(t.orm.em.fork()), A).transactional((tx) => tx.users.deleteWithDependents([a.id])),
    );
    assert.deepEqual(
      ended.map((session) => [session.user, session.clients, session.clientIssuers]),
      [[a.id, ["app"], { app: "https://issuer" }]],
    );
    const left = await dumpOf(A);
    for (const [table, rows] of Object.entries(left)) {
      if (table !== "tenant_user_count") assert.deepEqual(rows, [], `${table} of A emptied`);
    }
  });
});

describe("deleting a super admin", () => {
  it("removes their keys made for other tenants (the foreign key's cascade), and nothing else there", async () => {
    const owner = await seedUser(A, "root", ["super_admin"]);
    const otherTenantKey = randomBytes(8).toString("hex");
    await query("insert into api_key (id, tenant_id, user_id, scopes, secret_hash, created_at) values (?, ?, ?, '[]', ?, now())", [
      otherTenantKey,
      B,
      owner.id,
      randomBytes(32),
    ]);
    const before = await dumpOf(B);
    await new TenantRepositories(new UnitOfWork(t.orm.em.fork()), A).transactional((tx) => tx.users.deleteWithDependents([owner.id]));
    const afterDeletion = await dumpOf(B);
    assert.deepEqual(
      before.api_key?.filter((row) => !row.includes(otherTenantKey)),
      afterDeletion.api_key,
      "only the deleted owner's key left B",
    );
    assert.deepEqual({ ...afterDeletion, api_key: [] }, { ...before, api_key: [] });
  });
});

describe("the caller's own user (the deliberate cross-tenant read)", () => {
  it("is found by id whichever tenant it lives in, and reads nothing else", async () => {
    const lookup = new CrossTenantUserLookup(new UnitOfWork(t.orm.em.fork()));
    const found = await untouched(B, () => lookup.callerUser(b2.id));
    assert.equal(found?.tenantId, B);
    assert.equal(found?.username, b2.username);
    assert.equal(await lookup.callerUser(randomUUID()), undefined);
    assert.equal(await lookup.callerUser("not-a-uuid"), undefined);
  });
});
