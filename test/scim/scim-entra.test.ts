// The requests Microsoft Entra ID's provisioning service sends (its SCIM validator and
// "use-scim-to-provision-users-and-groups": Test Connection, create, look-ups by userName and
// externalId, PATCH in Entra's forms without the `aadOptscim062020` flag, deactivation, group
// membership adds and removes, delete), run against the real service on Postgres.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ScimService } from "../../gen/svault/scim/v1/scim_service_pb.js";
import { createTenant, grpcClient, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ENTERPRISE, filtered, GROUP_SCHEMA, type Json, patchOp, type ScimClient, scimClient, USER_SCHEMA } from "./scim-client.js";

const T = "contoso";
let server: TestServer;
let provisioning: SeededUser;
let scim: ScimClient;

before(async () => {
  server = await startTestServer();
  await createTenant(server, T);
  // What an admin makes for Entra: a key with only the scim scope.
  provisioning = await seedUserWithKey(server, T, ["tenant_admin"], ["scim"]);
  scim = scimClient(server, T, provisioning.key);
});
after(() => server.close());

/** Entra's POST /Users body. */
function entraUser(upn: string, externalId: string): Json {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId,
    userName: upn,
    active: true,
    addresses: [{ primary: true, type: "work", country: "DE", locality: "Berlin", postalCode: "10115", streetAddress: "Str. 1" }],
    displayName: "Bjorn Pettersen",
    emails: [{ primary: true, type: "work", value: upn }],
    meta: { resourceType: "User" },
    name: { formatted: "Bjorn Pettersen", familyName: "Pettersen", givenName: "Bjorn" },
    phoneNumbers: [{ type: "mobile", value: "+49 151 0000" }],
    title: "Engineer",
    preferredLanguage: "de-DE",
    [ENTERPRISE]: { employeeNumber: "701984", department: "Sales", manager: { value: "123" } },
  };
}

const list = (body: Json) => body.Resources as Json[];

describe("Test Connection", () => {
  it("answers a random userName and displayName query with an empty ListResponse in SCIM's media type", async () => {
    const users = await scim("GET", filtered("/Users", `userName eq "${randomUUID()}"`));
    assert.equal(users.status, 200);
    assert.match(users.headers.get("content-type") ?? "", /^application\/scim\+json/);
    assert.deepEqual(users.body, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    const groups = await scim("GET", filtered("/Groups", `displayName eq "${randomUUID()}"`, "&excludedAttributes=members"));
    assert.equal(groups.status, 200);
    assert.equal(groups.body.totalResults, 0);
  });
});

describe("the user lifecycle", () => {
  it("creates, finds by userName and externalId, patches in Entra's forms, deactivates and deletes a user", async () => {
    // The existence check before a create: nothing yet.
    assert.equal((await scim("GET", filtered("/Users", 'userName eq "Bjorn@contoso.example"'))).body.totalResults, 0);
    const created = await scim("POST", "/Users", entraUser("Bjorn@contoso.example", "58342554-38d6-4ec8-948c-50044d0a33fd"));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(created.headers.get("location"), `${server.config.publicUrl}/scim/v2/${T}/Users/${id}`);
    assert.equal(created.headers.get("etag"), (created.body.meta as Json).version);
    assert.deepEqual(created.body.schemas, [USER_SCHEMA, ENTERPRISE]);
    assert.equal(created.body.userName, "Bjorn@contoso.example");
    assert.equal(created.body.active, true);
    assert.deepEqual(created.body[ENTERPRISE], { employeeNumber: "701984", department: "Sales", manager: { value: "123" } });
    assert.equal((created.body.meta as Json).resourceType, "User");

    // A second create of the same userName (any case) is a uniqueness conflict.
    const again = await scim("POST", "/Users", entraUser("bjorn@CONTOSO.example", "other"));
    assert.equal(again.status, 409);
    assert.equal(again.body.scimType, "uniqueness");

    // Look-ups: userName case-insensitively, externalId exactly.
    const byName = await scim("GET", filtered("/Users", 'userName eq "BJORN@contoso.example"'));
    assert.deepEqual(
      list(byName.body).map((u) => u.id),
      [id],
    );
    const byExternal = await scim("GET", filtered("/Users", 'externalId eq "58342554-38d6-4ec8-948c-50044d0a33fd"'));
    assert.deepEqual(
      list(byExternal.body).map((u) => u.id),
      [id],
    );
    assert.equal((await scim("GET", filtered("/Users", 'externalId eq "58342554-38D6-4EC8-948C-50044D0A33FD"'))).body.totalResults, 0);
    // Entra's combined form.
    const both = await scim(
      "GET",
      filtered("/Users", 'userName eq "bjorn@contoso.example" and externalId eq "58342554-38d6-4ec8-948c-50044d0a33fd"'),
    );
    assert.equal(both.body.totalResults, 1);

    // PATCH as Entra sends it without aadOptscim062020: capitalised ops, "False"/"True" strings,
    // dotted and URN keys in a path-less Replace, a filtered path that creates the element.
    const patched = await scim(
      "PATCH",
      `/Users/${id}`,
      patchOp(
        { op: "Replace", path: "displayName", value: "Bjorn P." },
        { op: "Add", path: 'emails[type eq "home"].value', value: "bjorn@home.example" },
        { op: "Replace", path: 'addresses[type eq "work"].locality', value: "Hamburg" },
        {
          op: "Replace",
          value: {
            "name.givenName": "Björn",
            [`${ENTERPRISE}:department`]: "Research",
            "urn:ietf:params:scim:schemas:core:2.0:User:title": "Lead",
            'phoneNumbers[type eq "work"].value': "+49 30 0000",
          },
        },
        { op: "Remove", path: `${ENTERPRISE}:manager` },
      ),
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.displayName, "Bjorn P.");
    assert.equal((patched.body.name as Json).givenName, "Björn");
    assert.equal((patched.body.name as Json).familyName, "Pettersen");
    assert.equal(patched.body.title, "Lead");
    assert.deepEqual(patched.body[ENTERPRISE], { employeeNumber: "701984", department: "Research" });
    assert.deepEqual(
      (patched.body.emails as Json[]).map((e) => [e.type, e.value]),
      [
        ["work", "Bjorn@contoso.example"],
        ["home", "bjorn@home.example"],
      ],
    );
    assert.equal((patched.body.addresses as Json[])[0]?.locality, "Hamburg");
    assert.deepEqual(
      (patched.body.phoneNumbers as Json[]).map((p) => [p.type, p.value]),
      [
        ["mobile", "+49 151 0000"],
        ["work", "+49 30 0000"],
      ],
    );
    assert.notEqual(patched.headers.get("etag"), created.headers.get("etag"));

    // What was patched is what a GET reads back.
    const read = await scim("GET", `/Users/${id}`);
    assert.deepEqual(read.body, patched.body);

    // Deactivation is a PATCH of active with the string "False": the user stays, inactive.
    const off = await scim("PATCH", `/Users/${id}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    const stillThere = await scim("GET", filtered("/Users", 'userName eq "bjorn@contoso.example"'));
    assert.equal(list(stillThere.body)[0]?.active, false);
    // Path-less form with a "True" string.
    const on = await scim("PATCH", `/Users/${id}`, patchOp({ op: "Replace", value: { active: "True" } }));
    assert.equal(on.body.active, true);

    const deleted = await scim("DELETE", `/Users/${id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await scim("GET", `/Users/${id}`)).status, 404);
    assert.equal((await scim("GET", filtered("/Users", 'userName eq "bjorn@contoso.example"'))).body.totalResults, 0);
  });
});

describe("groups", () => {
  it("creates a group, finds it by displayName, adds and removes members as Entra does, renames and deletes it", async () => {
    const alice = (await scim("POST", "/Users", entraUser("alice@contoso.example", "ext-alice"))).body.id as string;
    const bob = (await scim("POST", "/Users", entraUser("bob@contoso.example", "ext-bob"))).body.id as string;
    const created = await scim("POST", "/Groups", {
      schemas: [GROUP_SCHEMA],
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Sales Reps",
      meta: { resourceType: "Group" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.deepEqual(created.body.members, []);

    const found = await scim("GET", filtered("/Groups", 'displayName eq "sales reps"', "&excludedAttributes=members"));
    assert.deepEqual(
      list(found.body).map((g) => [g.id, g.displayName, "members" in g]),
      [[id, "Sales Reps", false]],
    );

    const added = await scim("PATCH", `/Groups/${id}`, patchOp({ op: "Add", path: "members", value: [{ value: alice }, { value: bob }] }));
    assert.equal(added.status, 204);
    const members = async () => ((await scim("GET", `/Groups/${id}`)).body.members as Json[]).map((m) => m.value).sort();
    assert.deepEqual(await members(), [alice, bob].sort());
    // The user's groups show the membership.
    const aliceRead = await scim("GET", `/Users/${alice}`);
    assert.deepEqual(
      (aliceRead.body.groups as Json[]).map((g) => [g.value, g.display]),
      [[id, "Sales Reps"]],
    );
    // A membership query as Entra may send it.
    const isMember = await scim(
      "GET",
      filtered("/Groups", `id eq "${id}" and members[value eq "${alice}"]`, "&excludedAttributes=members"),
    );
    assert.equal(isMember.body.totalResults, 1);

    // Without aadOptscim062020 Entra removes members with a value list.
    const removed = await scim("PATCH", `/Groups/${id}`, patchOp({ op: "Remove", path: "members", value: [{ value: alice }] }));
    assert.equal(removed.status, 204);
    assert.deepEqual(await members(), [bob]);
    // The RFC form with a value filter.
    await scim("PATCH", `/Groups/${id}`, patchOp({ op: "Remove", path: `members[value eq "${bob}"]` }));
    assert.deepEqual(await members(), []);

    const renamed = await scim("PATCH", `/Groups/${id}`, patchOp({ op: "Replace", path: "displayName", value: "Sales" }));
    assert.equal(renamed.status, 204);
    assert.equal((await scim("GET", `/Groups/${id}`)).body.displayName, "Sales");

    assert.equal((await scim("DELETE", `/Groups/${id}`)).status, 204);
    assert.equal((await scim("GET", `/Groups/${id}`)).status, 404);
    assert.equal((await scim("GET", `/Users/${alice}`)).status, 200, "members stay when their group goes");
  });

  it("refuses members that are not users of the tenant", async () => {
    const res = await scim("POST", "/Groups", { displayName: "Ghosts", members: [{ value: randomUUID() }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.scimType, "invalidValue");
  });
});

describe("over gRPC", () => {
  it("serves the same resources as Structs with the same rules", async () => {
    const client = grpcClient(server, ScimService);
    const headers = { authorization: `Bearer ${provisioning.key}` };
    const created = await client.createUser({ tenantId: T, resource: entraUser("grpc@contoso.example", "ext-grpc") }, { headers });
    const id = created.resource?.id;
    assert.equal(typeof id, "string");
    const found = await client.listUsers({ tenantId: T, filter: 'userName eq "GRPC@contoso.example"' }, { headers });
    assert.equal(found.resource?.totalResults, 1);
    const patched = await client.patchUser(
      { tenantId: T, userId: String(id), patchOp: patchOp({ op: "Replace", path: "active", value: "False" }) },
      { headers },
    );
    assert.equal(patched.resource?.active, false);
  });
});
