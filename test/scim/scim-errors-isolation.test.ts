// What SCIM answers to bad requests (RFC 7644 §3.12 bodies in `application/scim+json`, each with
// its scimType, and nothing changed), to callers without the right credentials, and across
// tenants: tenant A's key can neither see nor change tenant B's users and groups.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createTenant, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ERROR_SCHEMA, filtered, type Json, patchOp, type ScimClient, type ScimReply, scimClient } from "./scim-client.js";

let server: TestServer;
let keyA: SeededUser;
let keyB: SeededUser;
let scimA: ScimClient;
let scimB: ScimClient;
let userA: string;
let userB: string;

before(async () => {
  server = await startTestServer();
  await createTenant(server, "tenant-a");
  await createTenant(server, "tenant-b");
  keyA = await seedUserWithKey(server, "tenant-a", ["tenant_admin"], ["scim", "profile"]);
  keyB = await seedUserWithKey(server, "tenant-b", ["tenant_admin"], ["scim"]);
  scimA = scimClient(server, "tenant-a", keyA.key);
  scimB = scimClient(server, "tenant-b", keyB.key);
  userA = (await scimA("POST", "/Users", { userName: "shared@example.com", emails: [{ value: "shared@example.com", primary: true }] })).body
    .id as string;
  userB = (await scimB("POST", "/Users", { userName: "shared@example.com", emails: [{ value: "shared@example.com", primary: true }] })).body
    .id as string;
});
after(() => server.close());

function assertScimError(res: ScimReply, status: number, scimType?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get("content-type") ?? "", /^application\/scim\+json/);
  assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  assert.equal(res.body.status, String(status));
  assert.equal(typeof res.body.detail, "string");
  if (scimType) assert.equal(res.body.scimType, scimType);
}

describe("credentials", () => {
  it("needs a key with the scim scope, sent as Bearer or X-API-Key", async () => {
    assertScimError(await scimClient(server, "tenant-a", undefined)("GET", "/Users"), 401);
    assertScimError(await scimClient(server, "tenant-a", "svk_not_a_key")("GET", "/Users"), 401);
    const profileOnly = await seedUserWithKey(server, "tenant-a", ["tenant_admin"], ["profile"]);
    assertScimError(await scimClient(server, "tenant-a", profileOnly.key)("GET", "/Users"), 403);
    const viaHeader = await scimClient(server, "tenant-a", undefined)("GET", "/Users", undefined, { "x-api-key": keyA.key });
    assert.equal(viaHeader.status, 200);
  });

  it("serves the discovery documents without credentials, for existing tenants only", async () => {
    const anonymous = scimClient(server, "tenant-a", undefined);
    assert.equal((await anonymous("GET", "/ServiceProviderConfig")).status, 200);
    assert.equal((await anonymous("GET", "/ResourceTypes/Group")).status, 200);
    assertScimError(await anonymous("GET", "/ResourceTypes/Device"), 404);
    assertScimError(await anonymous("GET", "/Schemas/urn:example:nope"), 404);
    assertScimError(await scimClient(server, "no-such-tenant", undefined)("GET", "/ServiceProviderConfig"), 404);
  });
});

describe("tenant isolation", () => {
  it("a key of tenant A neither sees nor changes tenant B", async () => {
    const crossing = scimClient(server, "tenant-b", keyA.key);
    assertScimError(await crossing("GET", "/Users"), 404);
    assertScimError(await crossing("GET", `/Users/${userB}`), 404);
    assertScimError(await crossing("PATCH", `/Users/${userB}`, patchOp({ op: "replace", path: "active", value: false })), 404);
    assertScimError(await crossing("DELETE", `/Users/${userB}`), 404);
    assertScimError(await crossing("POST", "/Groups", { displayName: "intruders" }), 404);
    // Through its own tenant's path, B's ids name nothing.
    assertScimError(await scimA("GET", `/Users/${userB}`), 404);
    assertScimError(await scimA("PUT", `/Users/${userB}`, { userName: "x" }), 404);
    assertScimError(await scimA("DELETE", `/Users/${userB}`), 404);
    const listed = await scimA("GET", filtered("/Users", 'userName eq "shared@example.com"'));
    assert.deepEqual(
      (listed.body.Resources as Json[]).map((u) => u.id),
      [userA],
    );
    // B's users cannot join A's groups.
    assertScimError(await scimA("POST", "/Groups", { displayName: "mixed", members: [{ value: userB }] }), 400, "invalidValue");
    const group = (await scimA("POST", "/Groups", { displayName: "a-only" })).body.id as string;
    assertScimError(
      await scimA("PATCH", `/Groups/${group}`, patchOp({ op: "add", path: "members", value: [{ value: userB }] })),
      400,
      "invalidValue",
    );
    assertScimError(await scimB("GET", `/Groups/${group}`), 404);
    // B's user is untouched.
    const b = await scimB("GET", `/Users/${userB}`);
    assert.equal(b.body.active, true);
  });
});

describe("bad requests", () => {
  it("answers RFC 7644 errors with their scimType and changes nothing", async () => {
    const before = await scimA("GET", `/Users/${userA}`);
    const patch = (...operations: Json[]) => scimA("PATCH", `/Users/${userA}`, patchOp(...operations));
    assertScimError(await patch({ op: "remove" }), 400, "noTarget");
    assertScimError(await patch({ op: "replace", path: "nickName2", value: "x" }), 400, "invalidPath");
    assertScimError(await patch({ op: "replace", path: 'emails[type eq "work"', value: "x" }), 400, "invalidPath");
    assertScimError(await patch({ op: "replace", path: "id", value: randomUUID() }), 400, "mutability");
    assertScimError(await patch({ op: "replace", path: "groups", value: [] }), 400, "mutability");
    assertScimError(await patch({ op: "move", path: "title", value: "x" }), 400, "invalidSyntax");
    assertScimError(await patch({ op: "replace", path: "active", value: "maybe" }), 400, "invalidValue");
    assertScimError(await patch({ op: "replace", path: 'emails[type eq "home" or type eq "other"].value', value: "x" }), 400, "noTarget");
    assertScimError(
      await scimA("PATCH", `/Users/${userA}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }),
      400,
      "invalidSyntax",
    );
    // A valid operation after an invalid one in the same request changes nothing either.
    assertScimError(await patch({ op: "replace", path: "title", value: "changed" }, { op: "remove" }), 400, "noTarget");
    assert.deepEqual((await scimA("GET", `/Users/${userA}`)).body, before.body);
  });

  it("refuses invalid users and duplicates", async () => {
    assertScimError(await scimA("POST", "/Users", { emails: [{ value: "a@example.com" }] }), 400, "invalidValue");
    assertScimError(await scimA("POST", "/Users", { userName: "has space", emails: [{ value: "a@example.com" }] }), 400, "invalidValue");
    assertScimError(await scimA("POST", "/Users", { userName: "nomail" }), 400, "invalidValue");
    assertScimError(await scimA("POST", "/Users", { userName: "bad-mail", emails: [{ value: "not-an-address" }] }), 400, "invalidValue");
    assertScimError(await scimA("POST", "/Users", { userName: "x", emails: "a@example.com", name: "just a string" }), 400, "invalidValue");
    assertScimError(
      await scimA("POST", "/Users", { userName: "SHARED@example.com", emails: [{ value: "other@example.com" }] }),
      409,
      "uniqueness",
    );
    assertScimError(await scimA("POST", "/Users", { userName: "other", emails: [{ value: "SHARED@example.com" }] }), 409, "uniqueness");
    assertScimError(await scimA("POST", "/Groups", { displayName: "" }), 400, "invalidValue");
  });

  it("answers bodies that are not JSON, unknown ids and endpoints", async () => {
    const res = await fetch(`${server.baseUrl}/scim/v2/tenant-a/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${keyA.key}`, "content-type": "application/scim+json" },
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /^application\/scim\+json/);
    const plain = await scimA(
      "POST",
      "/Users",
      { userName: "json-typed", emails: [{ value: "json@example.com" }] },
      { "content-type": "application/json" },
    );
    assert.equal(plain.status, 201, "application/json is accepted too");
    assertScimError(await scimA("GET", `/Users/${randomUUID()}`), 404);
    assertScimError(await scimA("GET", "/Users/not-a-uuid"), 404);
    assertScimError(await scimA("GET", "/Devices"), 404);
    assertScimError(await scimA("POST", "/Bulk", { Operations: [] }), 404);
    assertScimError(await scimA("DELETE", "/Users/a/b/c"), 404);
  });
});

describe("/Me", () => {
  it("answers the caller's own user, and 501 for changes", async () => {
    const me = await scimA("GET", "/Me");
    assert.equal(me.status, 200);
    assert.equal(me.body.id, keyA.userId);
    assertScimError(await scimA("POST", "/Me", { userName: "me" }), 501);
    assertScimError(await scimA("DELETE", "/Me"), 501);
    assertScimError(await scimClient(server, "tenant-b", keyA.key)("GET", "/Me"), 404);
  });
});
