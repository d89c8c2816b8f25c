// What one SCIM request costs the database, counted statement by statement as Postgres receives
// them (test/support/statement-audit.ts): the requests Entra ID and Okta send most — a look-up
// by userName, externalId or a group's displayName, a PATCH of one attribute, a member added to a
// group — are the API key's look-up and one or two statements, with no transaction (BEGIN/COMMIT)
// around a write that is one statement; and the answers still carry what they did (the user's
// groups, the new version). Also: concurrent PATCHes of one user lose none of their changes
// (each write is guarded by the version of the row it was computed from), and a write guarded
// by a stale version changes nothing. Every statement names its tenant (statement-audit.ts).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { createTenant, seedUserWithKey } from "../support/fixtures.js";
import { recordStatements, untenanted } from "../support/statement-audit.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { filtered, GROUP_SCHEMA, type Json, patchOp, type ScimClient, type ScimReply, scimClient, USER_SCHEMA } from "./scim-client.js";

const T = "round-trips";
let server: TestServer;
let scim: ScimClient;
let ada: string;
let bob: string;
let groupId: string;

before(async () => {
  server = await startTestServer();
  await createTenant(server, T);
  const key = await seedUserWithKey(server, T, ["tenant_admin"], ["scim"]);
  scim = scimClient(server, T, key.key);
  const created = async (path: string, body: Json) => {
    const res = await scim("POST", path, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const user = (name: string) => ({
    schemas: [USER_SCHEMA],
    userName: `${name}@trips.example`,
    externalId: `ext-${name}`,
    emails: [{ value: `${name}@trips.example`, primary: true }],
    displayName: name,
  });
  ada = await created("/Users", user("ada"));
  bob = await created("/Users", user("bob"));
  groupId = await created("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Engineers", members: [{ value: ada }] });
});
after(() => server.close());

// The API key's `last_use_at` is written at most once a minute, after the answer: a request
// before each test makes that write (if due) happen outside the statements counted.
beforeEach(async () => {
  await scim("GET", "/ServiceProviderConfig");
  await server.settled();
});

/** The statements Postgres receives for one request, whitespace-normalized, and its answer. */
async function counted(send: () => Promise<ScimReply>): Promise<{ statements: string[]; reply: ScimReply }> {
  const log = recordStatements();
  try {
    const reply = await send();
    await server.settled();
    return { statements: [...log.statements], reply };
  } finally {
    log.stop();
  }
}

const isKeyLookup = (statement: string) => statement.includes("cross-tenant: resolving an API key");
const isTransactionControl = (statement: string) => /^(begin|commit|rollback|start transaction)\b/i.test(statement);

function assertStatements(statements: string[], expected: RegExp[]): void {
  const described = JSON.stringify(statements, null, 1);
  assert.equal(statements.length, expected.length + 1, described);
  assert.ok(isKeyLookup(statements[0] as string), `the API key's look-up first: ${described}`);
  assert.ok(!statements.some(isTransactionControl), `no transaction: ${described}`);
  for (const [i, pattern] of expected.entries()) assert.match(statements[i + 1] as string, pattern, described);
  // The tenant rule of every statement (issue 15): each names the tenant it acts in.
  for (const statement of statements) assert.equal(untenanted(statement), undefined, statement);
}

describe("SCIM requests, statement by statement", () => {
  it("a look-up by userName or externalId is one statement, the users' groups included", async () => {
    for (const filter of ['userName eq "ADA@trips.example"', 'externalId eq "ext-ada"']) {
      const { statements, reply } = await counted(() => scim("GET", filtered("/Users", filter)));
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.totalResults, 1);
      const [found] = reply.body.Resources as Json[];
      assert.deepEqual(
        ((found?.groups ?? []) as Json[]).map((g) => [g.value, g.display]),
        [[groupId, "Engineers"]],
      );
      assertStatements(statements, [/^select (?=.*json_agg).* from app_user where tenant_id = /]);
    }
  });

  it("a look-up that finds nothing, and one that fills its page, say how many match", async () => {
    const none = await counted(() => scim("GET", filtered("/Users", 'userName eq "nobody@trips.example"')));
    assert.equal(none.reply.body.totalResults, 0);
    assertStatements(none.statements, [/^select .* from app_user/]);
    // A full page needs the count (the key's user, ada and bob: three users, two per page).
    const full = await counted(() => scim("GET", "/Users?count=2"));
    assert.equal(full.reply.body.totalResults, 3);
    assert.equal(full.reply.body.itemsPerPage, 2);
    assertStatements(full.statements, [/^select .* from app_user/, /^select users as n from tenant_user_count/]);
    const last = await scim("GET", "/Users?startIndex=3&count=2");
    assert.equal(last.body.totalResults, 3);
    assert.equal(last.body.itemsPerPage, 1);
  });

  it("a group's look-up by displayName is one statement", async () => {
    const { statements, reply } = await counted(() =>
      scim("GET", filtered("/Groups", 'displayName eq "engineers"', "&excludedAttributes=members")),
    );
    assert.equal(reply.body.totalResults, 1);
    assert.equal((reply.body.Resources as Json[])[0]?.members, undefined);
    assertStatements(statements, [/^select .* from user_group where tenant_id = /]);
  });

  it("a GET by id is one statement, and leaves the groups out when they are not asked for", async () => {
    const withGroups = await counted(() => scim("GET", `/Users/${ada}`));
    assert.equal((withGroups.reply.body.groups as Json[]).length, 1);
    assertStatements(withGroups.statements, [/json_agg/]);
    const without = await counted(() => scim("GET", `/Users/${ada}?attributes=userName`));
    assert.equal(without.reply.body.groups, undefined);
    assert.equal(without.reply.body.userName, "ada@trips.example");
    assertStatements(without.statements, [/^select (?!.*json_agg)/]);
  });

  it("a PATCH of one attribute is a read and one guarded update that answers the user with their groups", async () => {
    const before = await scim("GET", `/Users/${ada}`);
    const { statements, reply } = await counted(() =>
      scim("PATCH", `/Users/${ada}`, patchOp({ op: "Replace", path: "title", value: "Staff Engineer" })),
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.title, "Staff Engineer");
    assert.equal((reply.body.groups as Json[])[0]?.display, "Engineers");
    assert.notEqual(reply.headers.get("etag"), before.headers.get("etag"));
    assert.equal(reply.headers.get("etag"), (reply.body.meta as Json).version);
    assertStatements(statements, [
      /^select .* from app_user where tenant_id = .* and id = /,
      /^update app_user set .* where tenant_id = .* and id = .* and xmin = .* returning /,
    ]);
    assert.equal((await scim("GET", `/Users/${ada}`)).body.title, "Staff Engineer");
  });

  it("adding a member to a group is one statement, and raises the group's version", async () => {
    const before = await scim("GET", `/Groups/${groupId}`);
    const { statements, reply } = await counted(() =>
      scim("PATCH", `/Groups/${groupId}`, patchOp({ op: "Add", path: "members", value: [{ value: bob }] })),
    );
    assert.equal(reply.status, 204);
    assertStatements(statements, [/^with changed as \(update user_group set version = version \+ 1/]);
    const after = await scim("GET", `/Groups/${groupId}`);
    assert.deepEqual((after.body.members as Json[]).map((m) => m.value).sort(), [ada, bob].sort());
    assert.notEqual(after.headers.get("etag"), before.headers.get("etag"));
    assert.equal(reply.headers.get("etag"), after.headers.get("etag"));
  });

  it("a rename is a read and one guarded write; an unknown member changes nothing", async () => {
    const { statements, reply } = await counted(() =>
      scim("PATCH", `/Groups/${groupId}`, patchOp({ op: "Replace", path: "displayName", value: "Engineering" })),
    );
    assert.equal(reply.status, 204);
    assertStatements(statements, [/^select .* from user_group/, /^with changed as \(update user_group .* and version = /]);
    const version = (await scim("GET", `/Groups/${groupId}`)).headers.get("etag");
    const refused = await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patchOp({ op: "Add", path: "members", value: [{ value: "00000000-0000-4000-8000-00000000dead" }] }),
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.scimType, "invalidValue");
    const after = await scim("GET", `/Groups/${groupId}`);
    assert.equal(after.body.displayName, "Engineering");
    assert.equal(after.headers.get("etag"), version, "the version did not move");
    assert.equal((after.body.members as Json[]).length, 2);
  });

  it("a PatchOp of several membership operations ends as if they were applied in order, in one statement", async () => {
    const created = await scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ordered", members: [{ value: ada }] });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const members = async () => ((await scim("GET", `/Groups/${id}`)).body.members as Json[] | undefined)?.map((m) => m.value) ?? [];
    const patch = (...operations: Json[]) => counted(() => scim("PATCH", `/Groups/${id}`, patchOp(...operations)));
    // Removed, then added again: a member. Added, then removed: not one (but checked to be a user of the tenant).
    let { statements } = await patch(
      { op: "remove", path: `members[value eq "${ada}"]` },
      { op: "add", path: "members", value: [{ value: ada }, { value: bob }] },
      { op: "remove", path: "members", value: [{ value: bob }] },
    );
    assertStatements(statements, [/^select id from app_user where tenant_id = /, /^with changed as \(update user_group/]);
    assert.deepEqual(await members(), [ada]);
    // Replaced by bob, then ada added: both. Then cleared, then bob: bob alone.
    await patch({ op: "replace", path: "members", value: [{ value: bob }] }, { op: "add", path: "members", value: [{ value: ada }] });
    assert.deepEqual((await members()).sort(), [ada, bob].sort());
    ({ statements } = await patch({ op: "remove", path: "members" }, { op: "add", path: "members", value: [{ value: bob }] }));
    assertStatements(statements, [/^with changed as \(update user_group/]);
    assert.deepEqual(await members(), [bob]);
    // A user who is not the tenant's is refused even when a later operation removes them again.
    const stranger = "00000000-0000-4000-8000-00000000beef";
    const refused = await scim(
      "PATCH",
      `/Groups/${id}`,
      patchOp(
        { op: "add", path: "members", value: [{ value: stranger }] },
        { op: "remove", path: "members", value: [{ value: stranger }] },
      ),
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(await members(), [bob]);
  });

  it("concurrent PATCHes of one user's attributes all land", async () => {
    const attributes = ["title", "nickName", "userType", "profileUrl", "preferredLanguage", "timezone"];
    const replies = await Promise.all(
      attributes.map((path) => scim("PATCH", `/Users/${bob}`, patchOp({ op: "replace", path, value: `set-${path}` }))),
    );
    for (const reply of replies) assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const user = (await scim("GET", `/Users/${bob}`)).body;
    for (const path of attributes) assert.equal(user[path], `set-${path}`, `${path} was kept`);
  });

  it("a write guarded by a version the row no longer has changes nothing", async () => {
    const repos = new TenantRepositories(new UnitOfWork(server.running.database.orm.em.fork()), T);
    const read = await repos.scimUsers.find(bob, { groups: false });
    assert.ok(read);
    const fields = {
      username: read.user.username,
      usernameNormalized: read.user.username,
      email: read.user.email,
      emailNormalized: read.user.email,
      isDisabled: false,
      isVerified: read.user.isVerified,
      locale: read.user.locale,
      externalId: read.user.externalId,
    };
    const first = await repos.scimUsers.write(bob, read.rowVersion, fields, { ...read.profile, title: "first" });
    assert.equal(first?.profile.title, "first");
    assert.equal(await repos.scimUsers.write(bob, read.rowVersion, fields, { ...read.profile, title: "stale" }), undefined);
    assert.equal((await repos.scimUsers.find(bob, { groups: false }))?.profile.title, "first");

    const group = await repos.groups.find(groupId);
    assert.ok(group);
    const stale = await repos.groups.write(groupId, {
      version: group.version - 1,
      fields: { displayName: "Stale", externalId: null },
      members: { keep: false, add: [], remove: [] },
    });
    assert.equal(stale, undefined);
    const unchanged = await scim("GET", `/Groups/${groupId}`);
    assert.equal(unchanged.body.displayName, "Engineering");
    assert.equal((unchanged.body.members as Json[]).length, 2, "the memberships were not cleared");
  });
});
