// User administration over REST and gRPC: create, read, list (filters, sorting, pagination),
// update (role hierarchy), delete, batch create and batch delete, Get Current User.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { createTenant, grpcClient, rest, type SeededUser, seedUserWithKey, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";

type Json = Record<string, unknown>;
const ADMIN_SCOPES = SCOPES.filter((s) => s !== "tenants:admin");

let server: TestServer;
let admin: SeededUser;
let plain: SeededUser;

before(async () => {
  server = await startTestServer();
  await createTenant(server, "users-a");
  await createTenant(server, "users-b");
  await createTenant(server, "listing", { has_username_and_email: false });
  admin = await seedUserWithKey(server, "users-a", ["tenant_admin"], [...ADMIN_SCOPES]);
  plain = await seedUserWithKey(server, "users-a", [], ["profile"]);
});
after(() => server.close());

const create = (body: Json, key = admin.key, tenant = "users-a") => rest(server, key, "POST", `/api/v1/tenants/${tenant}/users`, body);
const USER_FIELDS = [
  "user_id",
  "username",
  "email",
  "tenant_id",
  "is_disabled",
  "is_verified",
  "created_at",
  "updated_at",
  "locale",
  "roles",
  "external_id",
];

async function grpcCode(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("create, read, update, delete over REST", () => {
  it("creates a user with the reference's shape and reads it by id and by name", async () => {
    const res = await create({ username: "Carol.Smith", email: "Carol@Example.com", locale: "de-DE", external_id: "ext-1", roles: [] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const user = res.body as Json;
    assert.deepEqual(Object.keys(user).sort(), [...USER_FIELDS].sort());
    assert.equal(user.username, "Carol.Smith");
    assert.equal(user.tenant_id, "users-a");
    assert.equal(user.is_verified, false);
    assert.equal(user.locale, "de-DE");
    const byId = await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${user.user_id}`);
    assert.deepEqual(byId.body, user);
    const byName = await rest(server, admin.key, "GET", "/api/v1/tenants/users-a/users/by-name/carol.smith");
    assert.equal(byName.status, 200);
    assert.equal((byName.body as Json).user_id, user.user_id);
  });

  it("refuses duplicates (normalized username or e-mail) with 409 and bad bodies with 422", async () => {
    assert.equal((await create({ username: "dup", email: "dup@example.com" })).status, 201);
    assert.equal((await create({ username: "DUP", email: "other@example.com" })).status, 409);
    assert.equal((await create({ username: "dup2", email: "DUP@example.com" })).status, 409);
    assert.deepEqual(violationLocs(await create({ username: "bad name!", email: "x@example.com" })), [["body", "username"]]);
    assert.deepEqual(violationLocs(await create({ username: "ok", email: "not-an-email" })), [["body", "email"]]);
    assert.deepEqual(violationLocs(await create({ username: "ok", email: "ok@example.com", roles: ["god"] })), [["body", "roles", 0]]);
    assert.deepEqual(violationLocs(await create({ username: "x".repeat(129), email: "ok@example.com" })), [["body", "username"]]);
    // has_username_and_email (default on) makes the e-mail required
    assert.deepEqual(violationLocs(await create({ username: "no-mail" })), [["body", "email"]]);
    assert.equal((await create({ username: "no-mail" }, server.adminKey, "listing")).status, 201);
  });

  it("keeps a caller-chosen user_id (a migration keeps its ids); a taken one is 409, also across tenants", async () => {
    const id = randomUUID();
    const res = await create({ user_id: id, username: "migrated", email: "migrated@example.com" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as Json).user_id, id);
    assert.equal((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${id}`)).status, 200);
    const again = await create({ user_id: id, username: "migrated-2", email: "migrated-2@example.com" });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(typeof (again.body as Json).detail, "string");
    const elsewhere = await create({ user_id: id.toUpperCase(), username: "migrated" }, server.adminKey, "listing");
    assert.equal(elsewhere.status, 409, "ids are unique across tenants; the answer does not say where");
    assert.deepEqual(violationLocs(await create({ user_id: "not-a-uuid", username: "x", email: "x@example.com" })), [["body", "user_id"]]);
    const viaGrpc = randomUUID();
    const created = await grpcClient(server, UserService).createUser(
      { tenantId: "users-a", userId: viaGrpc, username: "migrated-grpc", email: "mg@example.com" },
      withKey(admin.key),
    );
    assert.equal(created.user?.userId, viaGrpc);
  });

  it("refuses a body tenant_id other than the path's (422) rather than ignoring it", async () => {
    const res = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users", {
      tenant_id: "users-b",
      username: "wrong-tenant",
      email: "wrong-tenant@example.com",
    });
    assert.deepEqual(violationLocs(res), [["body", "tenant_id"]]);
    assert.equal((await rest(server, admin.key, "GET", "/api/v1/tenants/users-a/users/by-name/wrong-tenant")).status, 404);
  });

  it("updates a user (PUT) and deletes it (204, then 404)", async () => {
    const { user_id } = (await create({ username: "dave", email: "dave@example.com" })).body as Json;
    const updated = await rest(server, admin.key, "PUT", `/api/v1/tenants/users-a/users/${user_id}`, {
      username: "dave2",
      email: "dave2@example.com",
      is_verified: true,
      roles: ["tenant_admin"],
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal((updated.body as Json).username, "dave2");
    assert.deepEqual((updated.body as Json).roles, ["tenant_admin"]);
    assert.equal((await rest(server, admin.key, "DELETE", `/api/v1/tenants/users-a/users/${user_id}`)).status, 204);
    assert.equal((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${user_id}`)).status, 404);
    assert.equal((await rest(server, admin.key, "DELETE", `/api/v1/tenants/users-a/users/${user_id}`)).status, 404);
  });

  it("hides users of other tenants (404) even from a super admin naming the wrong tenant", async () => {
    const { user_id } = (await create({ username: "erin", email: "erin@example.com" })).body as Json;
    assert.equal((await rest(server, server.adminKey, "GET", `/api/v1/tenants/users-b/users/${user_id}`)).status, 404);
    const otherAdmin = await seedUserWithKey(server, "users-b", ["tenant_admin"], [...ADMIN_SCOPES]);
    assert.equal((await rest(server, otherAdmin.key, "GET", `/api/v1/tenants/users-a/users/${user_id}`)).status, 404);
    assert.equal((await rest(server, plain.key, "GET", `/api/v1/tenants/users-a/users/${user_id}`)).status, 403);
    assert.equal((await rest(server, undefined, "GET", `/api/v1/tenants/users-a/users/${user_id}`)).status, 401);
    assert.equal((await rest(server, server.adminKey, "GET", `/api/v1/tenants/users-a/users/${user_id}`)).status, 200);
  });
});

describe("Update User is a full replacement (PUT)", () => {
  it("resets every attribute the body leaves out (or sends as null) to its default, over REST and gRPC", async () => {
    const full = {
      username: "rita",
      email: "rita@example.com",
      is_verified: true,
      is_disabled: true,
      locale: "de-DE",
      external_id: "ext-rita",
      roles: ["tenant_admin"],
    };
    const made = await create(full);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const created = made.body as Json;
    const path = `/api/v1/tenants/users-a/users/${created.user_id}`;

    // The whole user sent back, changed in one place, changes that place only.
    const renamed = await rest(server, admin.key, "PUT", path, { ...created, username: "rita2" });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const { updated_at: _a, ...renamedRest } = renamed.body as Json;
    const { updated_at: _b, ...createdRest } = created;
    assert.deepEqual(renamedRest, { ...createdRest, username: "rita2" });

    // `user_id` and `tenant_id` come from the path: a body naming another user or tenant is refused.
    const elsewhere = await rest(server, admin.key, "PUT", path, {
      ...created,
      user_id: "00000000-0000-4000-8000-000000000000",
      tenant_id: "users-b",
    });
    assert.deepEqual(violationLocs(elsewhere), [
      ["body", "tenant_id"],
      ["body", "user_id"],
    ]);

    // Left out or null: defaults. The timestamps of the body are ignored (the service sets them).
    const minimal = await rest(server, admin.key, "PUT", path, {
      username: "rita2",
      email: "rita@example.com",
      created_at: "2019-08-24T14:15:22Z",
      updated_at: null,
      locale: null,
      roles: null,
      external_id: null,
    });
    assert.equal(minimal.status, 200, JSON.stringify(minimal.body));
    const reset = minimal.body as Json;
    assert.equal(reset.user_id, created.user_id);
    assert.equal(reset.tenant_id, "users-a");
    assert.equal(reset.created_at, created.created_at);
    assert.equal(reset.is_disabled, false, "left out: enabled");
    assert.equal(reset.is_verified, false);
    assert.equal(reset.locale, null, "unset optional fields are null, as in the reference");
    assert.deepEqual(reset.roles, []);
    assert.equal(reset.external_id, null);
    const read = await rest(server, admin.key, "GET", path);
    assert.deepEqual(read.body, reset);

    // The tenant requires an e-mail address: leaving it out is refused, and nothing changes.
    assert.deepEqual(violationLocs(await rest(server, admin.key, "PUT", path, { username: "rita3" })), [["body", "email"]]);
    assert.equal(((await rest(server, admin.key, "GET", path)).body as Json).username, "rita2");

    // gRPC: the same message, the same rule.
    const client = grpcClient(server, UserService);
    const key = withKey(admin.key);
    const userId = created.user_id as string;
    await client.updateUser(
      { tenantId: "users-a", userId, username: "rita2", email: "rita@example.com", locale: "fr", roles: ["tenant_admin"] },
      key,
    );
    const again = await client.updateUser({ tenantId: "users-a", userId, username: "rita2", email: "rita@example.com" }, key);
    assert.equal(again.user?.locale, undefined, "no locale: unset");
    assert.deepEqual(again.user?.roles, []);
  });
});

describe("role hierarchy", () => {
  it("only a super admin grants super_admin or changes a super admin", async () => {
    assert.equal((await create({ username: "boss1", email: "boss1@example.com", roles: ["super_admin"] })).status, 403);
    const made = await create({ username: "boss1", email: "boss1@example.com", roles: ["super_admin"] }, server.adminKey);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = (made.body as Json).user_id;
    const body = { username: "boss1", email: "boss1@example.com", roles: [] };
    assert.equal((await rest(server, admin.key, "PUT", `/api/v1/tenants/users-a/users/${id}`, body)).status, 403);
    assert.equal((await rest(server, admin.key, "DELETE", `/api/v1/tenants/users-a/users/${id}`)).status, 403);
    assert.equal((await rest(server, server.adminKey, "PUT", `/api/v1/tenants/users-a/users/${id}`, body)).status, 200);
    const { user_id } = (await create({ username: "promo", email: "promo@example.com" })).body as Json;
    const promote = { username: "promo", email: "promo@example.com", roles: ["super_admin"] };
    assert.equal((await rest(server, admin.key, "PUT", `/api/v1/tenants/users-a/users/${user_id}`, promote)).status, 403);
    assert.equal((await rest(server, server.adminKey, "PUT", `/api/v1/tenants/users-a/users/${user_id}`, promote)).status, 200);
  });
});

describe("Get Current User", () => {
  it("answers the key's owner over REST and gRPC", async () => {
    const res = await rest(server, plain.key, "GET", "/api/v1/users/me");
    assert.equal(res.status, 200);
    assert.equal((res.body as Json).user_id, plain.userId);
    const client = grpcClient(server, UserService);
    const answer = await client.getCurrentUser({}, withKey(plain.key));
    assert.equal(answer.user?.userId, plain.userId);
    assert.equal(await grpcCode(client.getCurrentUser({})), Code.Unauthenticated);
  });
});

describe("over gRPC", () => {
  it("creates, reads, lists, updates and deletes", async () => {
    const client = grpcClient(server, UserService);
    const key = withKey(admin.key);
    const created = await client.createUser({ tenantId: "users-a", username: "grpc-user", email: "grpc@example.com" }, key);
    const userId = created.user?.userId as string;
    assert.ok(userId);
    assert.equal((await client.getUser({ tenantId: "users-a", userId }, key)).user?.username, "grpc-user");
    assert.equal((await client.getUserByName({ tenantId: "users-a", username: "GRPC-USER" }, key)).user?.userId, userId);
    const page = await client.listUsers({ tenantId: "users-a", username: "grpc-" }, key);
    assert.deepEqual(
      page.data.map((u) => u.userId),
      [userId],
    );
    assert.equal(page.totalCount, 1);
    const updated = await client.updateUser(
      { tenantId: "users-a", userId, username: "grpc-user", email: "g2@example.com", locale: "fr" },
      key,
    );
    assert.equal(updated.user?.locale, "fr");
    assert.equal(
      await grpcCode(client.createUser({ tenantId: "users-a", username: "grpc-user", email: "x@example.com" }, key)),
      Code.AlreadyExists,
    );
    assert.equal(await grpcCode(client.listUsers({ tenantId: "users-a", limit: 501 }, key)), Code.InvalidArgument);
    const batch = await client.batchCreateUser(
      {
        tenantId: "users-a",
        users: [
          { username: "gb1", email: "gb1@example.com" },
          { username: "gb1", email: "gb1b@example.com" },
        ],
      },
      key,
    );
    assert.equal(batch.successCreatedCount, 1);
    assert.deepEqual(batch.duplicateUsernames, ["gb1"]);
    await client.deleteUser({ tenantId: "users-a", userId }, key);
    assert.equal(await grpcCode(client.getUser({ tenantId: "users-a", userId }, key)), Code.NotFound);
    const gb1 = (await client.getUserByName({ tenantId: "users-a", username: "gb1" }, key)).user?.userId as string;
    await client.batchDeleteUser({ tenantId: "users-a", usersIds: [gb1] }, key);
    assert.equal(await grpcCode(client.getUser({ tenantId: "users-a", userId: gb1 }, key)), Code.NotFound);
  });
});

describe("List Users", () => {
  const list = (query: string) => rest(server, server.adminKey, "GET", `/api/v1/tenants/listing/users${query}`);
  const names = (res: { body: unknown }) => ((res.body as { data: Json[] }).data ?? []).map((u) => u.username as string);
  before(async () => {
    const users = Array.from({ length: 25 }, (_, i) => ({
      username: `member${String(i).padStart(2, "0")}`,
      email: i % 2 === 0 ? `even${i}@example.com` : `odd${i}@example.org`,
    }));
    const res = await rest(server, server.adminKey, "POST", "/api/v1/tenants/listing/users/batch", { users });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as Json).success_created_count, 25);
  });

  it("defaults to 10 newest first with has_next and total_count", async () => {
    const res = await list("");
    assert.equal(res.status, 200);
    const body = res.body as { data: Json[]; has_next: boolean; total_count: number };
    assert.deepEqual(Object.keys(body).sort(), ["data", "has_next", "total_count"]);
    assert.equal(body.data.length, 10);
    assert.equal(body.has_next, true);
    assert.equal(body.total_count, 26); // 25 members and "no-mail"
  });

  it("filters by case-insensitive prefix of username and e-mail", async () => {
    const res = await list("?username=MEMBER1&sort_by=username&sort_direction=1&limit=500");
    assert.deepEqual(
      names(res),
      Array.from({ length: 10 }, (_, i) => `member1${i}`),
    );
    assert.equal((res.body as Json).total_count, 10);
    assert.equal((res.body as Json).has_next, false);
    const byMail = await list("?email=ODD&limit=500");
    assert.equal((byMail.body as Json).total_count, 12);
    const both = await list("?email=odd1&username=member1&sort_by=email&sort_direction=1");
    assert.deepEqual(names(both), ["member11", "member13", "member15", "member17", "member19"]);
    // pattern characters are literal
    assert.equal(((await list("?username=%25")).body as Json).total_count, 0);
    assert.equal(((await list("?username=member_")).body as Json).total_count, 0);
  });

  it("pages stably: the pages of a sort partition the whole list (ties broken by id)", async () => {
    for (const sort of ["created_at", "username", "email"]) {
      for (const direction of [1, -1]) {
        const all = names(await list(`?sort_by=${sort}&sort_direction=${direction}&limit=500`));
        assert.equal(all.length, 26);
        const paged: string[] = [];
        for (let offset = 0; offset < 26; offset += 7)
          paged.push(...names(await list(`?sort_by=${sort}&sort_direction=${direction}&limit=7&offset=${offset}`)));
        assert.deepEqual(paged, all, `${sort} ${direction}`);
      }
    }
    const asc = names(await list("?sort_by=username&sort_direction=1&limit=3"));
    assert.deepEqual(asc, ["member00", "member01", "member02"]);
  });

  it("a filter on one column sorted by another pages in the same order as the unfiltered list", async () => {
    for (const [filter, matches] of [
      ["username=member1", (name: string) => name.startsWith("member1")],
      ["email=odd", (name: string) => Number(name.slice(6)) % 2 === 1],
    ] as const) {
      for (const sort of ["created_at", "username", "email"]) {
        for (const direction of [1, -1]) {
          const expected = names(await list(`?sort_by=${sort}&sort_direction=${direction}&limit=500`)).filter(
            (name) => name.startsWith("member") && matches(name),
          );
          const paged: string[] = [];
          for (let offset = 0; offset < expected.length + 3; offset += 3) {
            const page = await list(`?${filter}&sort_by=${sort}&sort_direction=${direction}&limit=3&offset=${offset}`);
            assert.equal((page.body as Json).total_count, expected.length);
            paged.push(...names(page));
          }
          assert.deepEqual(paged, expected, `${filter} by ${sort} ${direction}`);
        }
      }
    }
  });

  it("handles the edges: offset past the end, limit 500, invalid limits and sort fields", async () => {
    const past = await list("?offset=1000");
    assert.equal(past.status, 200);
    assert.deepEqual((past.body as Json).data, []);
    assert.equal((past.body as Json).has_next, false);
    assert.equal((past.body as Json).total_count, 26);
    assert.equal(names(await list("?limit=500")).length, 26);
    assert.deepEqual(violationLocs(await list("?limit=0")), [["query", "limit"]]);
    assert.deepEqual(violationLocs(await list("?limit=501")), [["query", "limit"]]);
    assert.deepEqual(violationLocs(await list("?offset=-1")), [["query", "offset"]]);
    assert.deepEqual(violationLocs(await list("?sort_by=password")), [["query", "sort_by"]]);
    assert.deepEqual(violationLocs(await list("?sort_direction=2")), [["query", "sort_direction"]]);
  });
});

describe("batches", () => {
  it("creates the valid rows and reports invalid and duplicate ones (in the batch and in the tenant)", async () => {
    assert.equal((await create({ username: "existing", email: "existing@example.com" })).status, 201);
    const res = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch", {
      users: [
        { username: "b-ok1", email: "b-ok1@example.com" },
        { username: "bad name", email: "bad@example.com" },
        { username: "b-ok2", email: "b-ok2@example.com", roles: ["tenant_admin"] },
        { username: "B-OK1", email: "b-other@example.com" },
        { username: "b-mail", email: "B-OK2@example.com" },
        { username: "EXISTING", email: "new-existing@example.com" },
        { username: "b-taken-mail", email: "existing@example.com" },
        { username: "b-no-mail" },
        { username: "b-super", email: "b-super@example.com", roles: ["super_admin"] },
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      success_created_count: 2,
      fail_create_usernames: ["bad name", "b-no-mail", "b-super"],
      duplicate_usernames: ["B-OK1", "b-mail", "EXISTING", "b-taken-mail"],
    });
    assert.equal((await rest(server, admin.key, "GET", "/api/v1/tenants/users-a/users/by-name/b-ok2")).status, 200);
  });

  it("keeps caller-chosen user_ids; taken or repeated ids are duplicates, malformed ones and other tenants failures", async () => {
    const taken = (await create({ username: "id-holder", email: "id-holder@example.com" })).body as Json;
    const [kept, repeated] = [randomUUID(), randomUUID()];
    const res = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch", {
      users: [
        { user_id: kept, username: "id-kept", email: "id-kept@example.com" },
        { user_id: taken.user_id, username: "id-taken", email: "id-taken@example.com" },
        { user_id: repeated, username: "id-first", email: "id-first@example.com" },
        { user_id: repeated.toUpperCase(), username: "id-again", email: "id-again@example.com" },
        { user_id: "nope", username: "id-bad", email: "id-bad@example.com" },
        { tenant_id: "users-b", username: "id-elsewhere", email: "id-elsewhere@example.com" },
        { tenant_id: "users-a", username: "id-here", email: "id-here@example.com" },
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      success_created_count: 3,
      fail_create_usernames: ["id-bad", "id-elsewhere"],
      duplicate_usernames: ["id-again", "id-taken"],
    });
    assert.equal(((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${kept}`)).body as Json).username, "id-kept");
    assert.equal(((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${repeated}`)).body as Json).username, "id-first");
  });

  it("caps a batch at 1000 rows", async () => {
    const users = Array.from({ length: 1001 }, (_, i) => ({ username: `cap${i}`, email: `cap${i}@example.com` }));
    assert.deepEqual(violationLocs(await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch", { users })), [
      ["body", "users"],
    ]);
  });

  it("deletes all listed users or none", async () => {
    const ids: string[] = [];
    for (const name of ["del1", "del2"])
      ids.push(((await create({ username: name, email: `${name}@example.com` })).body as Json).user_id as string);
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch-delete", { users_ids: [...ids, missing] });
    assert.equal(refused.status, 404);
    assert.match((refused.body as { detail: string }).detail, new RegExp(missing));
    for (const id of ids) assert.equal((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${id}`)).status, 200);
    const boss = await create({ username: "del-boss", email: "del-boss@example.com", roles: ["super_admin"] }, server.adminKey);
    const bossId = (boss.body as Json).user_id as string;
    const forbidden = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch-delete", { users_ids: [...ids, bossId] });
    assert.equal(forbidden.status, 403, "a tenant admin may not delete a super admin");
    assert.match((forbidden.body as { detail: string }).detail, new RegExp(bossId));
    for (const id of [...ids, bossId])
      assert.equal((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${id}`)).status, 200, "nothing was deleted");
    const done = await rest(server, admin.key, "POST", "/api/v1/tenants/users-a/users/batch-delete", { users_ids: ids });
    assert.equal(done.status, 200, "the reference answers 200 with the JSON null");
    assert.equal(done.body, null);
    assert.match(done.headers.get("content-type") ?? "", /^application\/json/);
    for (const id of ids) assert.equal((await rest(server, admin.key, "GET", `/api/v1/tenants/users-a/users/${id}`)).status, 404);
  });
});
