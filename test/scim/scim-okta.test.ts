// The requests Okta sends (its SCIM 2.0 guide and the steps of its CRUD test plan): test
// connection with `startIndex=1&count=2`, the existence check by userName, create, PUT for every
// update of an AIW app (which must keep `active`), deactivation by `active=false` (PATCH for OIN
// apps), group push with PATCH, and the ETag headers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTenant, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { filtered, GROUP_SCHEMA, type Json, patchOp, type ScimClient, scimClient, USER_SCHEMA } from "./scim-client.js";

const T = "okta-org";
let server: TestServer;
let scim: ScimClient;

before(async () => {
  server = await startTestServer();
  await createTenant(server, T);
  const provisioning = await seedUserWithKey(server, T, ["tenant_admin"], ["scim"]);
  scim = scimClient(server, T, provisioning.key);
});
after(() => server.close());

function oktaUser(login: string, givenName: string): Json {
  return {
    schemas: [USER_SCHEMA],
    userName: login,
    name: { givenName, familyName: "Doe" },
    emails: [{ primary: true, value: login, type: "work" }],
    displayName: `${givenName} Doe`,
    locale: "en-US",
    externalId: `00u${givenName.toLowerCase()}`,
    groups: [],
    password: "t1meMa$heen",
    active: true,
  };
}

describe("Okta", () => {
  it("tests the connection with startIndex=1&count=2 and pages the users", async () => {
    for (const name of ["Ann", "Ben", "Cid"])
      assert.equal((await scim("POST", "/Users", oktaUser(`${name.toLowerCase()}@okta.example`, name))).status, 201);
    const page = await scim("GET", "/Users?startIndex=1&count=2");
    assert.equal(page.status, 200);
    // The three, and the user owning the provisioning key.
    assert.equal(page.body.totalResults, 4);
    assert.equal(page.body.itemsPerPage, 2);
    assert.equal(page.body.startIndex, 1);
    const next = await scim("GET", "/Users?startIndex=3&count=2");
    assert.equal(next.body.itemsPerPage, 2);
    assert.equal(next.body.startIndex, 3);
    const all = [...(page.body.Resources as Json[]), ...(next.body.Resources as Json[])].map((u) => u.userName);
    assert.deepEqual(all.slice(1), ["ann@okta.example", "ben@okta.example", "cid@okta.example"], "by creation, no overlap");
    assert.equal((await scim("GET", "/Users?startIndex=5&count=2")).body.itemsPerPage, 0);
  });

  it("never stores nor returns the password, and keeps what a PUT sends", async () => {
    const exists = await scim("GET", filtered("/Users", 'userName eq "dee@okta.example"', "&startIndex=1&count=100"));
    assert.equal(exists.body.totalResults, 0);
    const created = await scim("POST", "/Users", oktaUser("dee@okta.example", "Dee"));
    assert.equal(created.status, 201);
    assert.ok(!("password" in created.body));
    assert.equal(created.body.locale, "en-US");
    const id = created.body.id as string;

    // AIW apps PUT the whole user for every change; a GET after it reads back what was PUT.
    const update: Json = { ...oktaUser("dee@okta.example", "Dee"), id, name: { givenName: "Deirdre", familyName: "Doe" }, title: "CTO" };
    const put = await scim("PUT", `/Users/${id}`, update);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const read = await scim("GET", `/Users/${id}`);
    const { meta: _meta, schemas: _schemas, id: _id, ...back } = read.body;
    const { password: _password, groups: _groups, id: _sent, schemas: _sentSchemas, ...sent } = update;
    assert.deepEqual(back, sent);
    assert.equal(read.headers.get("etag"), put.headers.get("etag"));
  });

  it("deactivates by PUT or PATCH of active=false and reactivates", async () => {
    const id = (await scim("POST", "/Users", oktaUser("eve@okta.example", "Eve"))).body.id as string;
    const off = await scim("PUT", `/Users/${id}`, { ...oktaUser("eve@okta.example", "Eve"), active: false });
    assert.equal(off.body.active, false);
    const inactive = await scim("GET", filtered("/Users", "active eq false"));
    assert.deepEqual(
      (inactive.body.Resources as Json[]).map((u) => u.id),
      [id],
    );
    const on = await scim("PATCH", `/Users/${id}`, patchOp({ op: "replace", value: { active: true } }));
    assert.equal(on.body.active, true);
    const offAgain = await scim("PATCH", `/Users/${id}`, patchOp({ op: "replace", value: { active: false } }));
    assert.equal(offAgain.body.active, false);
  });

  it("pushes groups: create, PATCH members, rename, PUT, delete", async () => {
    const ids = [];
    for (const name of ["Fay", "Gus"])
      ids.push((await scim("POST", "/Users", oktaUser(`${name.toLowerCase()}@okta.example`, name))).body.id as string);
    const [fay, gus] = ids as [string, string];
    const group = await scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Test SCIMv2", members: [] });
    assert.equal(group.status, 201);
    const id = group.body.id as string;
    const add = await scim(
      "PATCH",
      `/Groups/${id}`,
      patchOp({ op: "add", path: "members", value: [{ value: fay, display: "fay@okta.example" }] }),
    );
    assert.equal(add.status, 204);
    // Okta's replace of the whole membership, with the new name.
    await scim("PATCH", `/Groups/${id}`, patchOp({ op: "replace", value: { id, displayName: "Renamed", members: [{ value: gus }] } }));
    const read = await scim("GET", `/Groups/${id}`);
    assert.equal(read.body.displayName, "Renamed");
    assert.deepEqual(
      (read.body.members as Json[]).map((m) => m.value),
      [gus],
    );
    const put = await scim("PUT", `/Groups/${id}`, {
      schemas: [GROUP_SCHEMA],
      id,
      displayName: "Put",
      members: [{ value: fay }, { value: gus }],
    });
    assert.equal(put.status, 200);
    assert.deepEqual(((put.body.members as Json[]) ?? []).map((m) => m.value).sort(), [fay, gus].sort());
    assert.equal((await scim("DELETE", `/Groups/${id}`)).status, 204);
  });

  it("answers If-None-Match with 304 and a stale If-Match with 412", async () => {
    const created = await scim("POST", "/Users", oktaUser("hal@okta.example", "Hal"));
    const id = created.body.id as string;
    const etag = created.headers.get("etag") ?? "";
    assert.match(etag, /^W\/".+"$/);
    const notModified = await scim("GET", `/Users/${id}`, undefined, { "if-none-match": etag });
    assert.equal(notModified.status, 304);
    const changed = await scim("PATCH", `/Users/${id}`, patchOp({ op: "replace", path: "title", value: "X" }), { "if-match": etag });
    assert.equal(changed.status, 200);
    const stale = await scim("PATCH", `/Users/${id}`, patchOp({ op: "replace", path: "title", value: "Y" }), { "if-match": etag });
    assert.equal(stale.status, 412);
    assert.equal((await scim("GET", `/Users/${id}`)).body.title, "X", "a refused write changes nothing");
    assert.equal((await scim("DELETE", `/Users/${id}`, undefined, { "if-match": etag })).status, 412);
    assert.equal((await scim("DELETE", `/Users/${id}`, undefined, { "if-match": "*" })).status, 204);
  });
});
