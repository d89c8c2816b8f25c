// The admin API's read-only view of SCIM-provisioned groups (GroupService), over REST and gRPC
// (@grpc/grpc-js): a page filtered by display-name prefix, one group with its members, and
// tenant isolation (another tenant's key or group id finds nothing).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { GroupService } from "../../gen/svault/user/v1/group_service_pb.js";
import { createTenant, rest, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { createGrpcJsClient, type GrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { GROUP_SCHEMA, USER_SCHEMA, scimClient } from "../scim/scim-client.js";

let server: TestServer;
let adminA: SeededUser;
let adminB: SeededUser;
let grpcClient: GrpcJsClient<typeof GroupService>;
let engineersId: string;
let groupOfB: string;

before(async () => {
  server = await startTestServer();
  await createTenant(server, "groups-a");
  await createTenant(server, "groups-b");
  adminA = await seedUserWithKey(server, "groups-a", ["tenant_admin"], ["scim", "users:read"]);
  adminB = await seedUserWithKey(server, "groups-b", ["tenant_admin"], ["scim", "users:read"]);
  const scimA = scimClient(server, "groups-a", adminA.key);
  const user = async (userName: string) => {
    const created = await scimA("POST", "/Users", {
      schemas: [USER_SCHEMA],
      userName,
      emails: [{ value: `${userName}@example.com`, primary: true }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created;
  };
  const bob = await user("bob");
  const carol = await user("carol");
  const members = [{ value: carol.body.id }, { value: bob.body.id }];
  engineersId = (await scimA("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Engineers", externalId: "ext-1", members })).body
    .id as string;
  await scimA("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "engineering-leads" });
  await scimA("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Sales" });
  groupOfB = (await scimClient(server, "groups-b", adminB.key)("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Engineers B" }))
    .body.id as string;
  grpcClient = createGrpcJsClient(GroupService, `127.0.0.1:${server.grpcPort}`);
});
after(async () => {
  grpcClient.close();
  await server.close();
});

const keyed = (key: string) => {
  const metadata = new grpc.Metadata();
  metadata.set("x-api-key", key);
  return metadata;
};

interface GroupBody {
  group_id: string;
  display_name: string;
  external_id: string | null;
  members: { user_id: string; username: string }[];
}

describe("groups over REST", () => {
  it("lists a page in display-name order, filtered by a case-insensitive prefix", async () => {
    const all = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-a/groups");
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const body = all.body as { data: GroupBody[]; total_count: number; has_next: boolean };
    assert.deepEqual(
      body.data.map((g) => g.display_name),
      ["engineering-leads", "Engineers", "Sales"],
    );
    assert.equal(body.total_count, 3);
    assert.deepEqual(body.data[0]?.members, [], "a list leaves members out");

    const page = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-a/groups?display_name=ENGINEER&limit=1");
    const paged = page.body as { data: GroupBody[]; total_count: number; has_next: boolean };
    assert.deepEqual(
      paged.data.map((g) => g.display_name),
      ["engineering-leads"],
    );
    assert.equal(paged.total_count, 2);
    assert.equal(paged.has_next, true);
    const second = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-a/groups?display_name=engineer&limit=1&offset=1");
    assert.deepEqual(
      (second.body as { data: GroupBody[]; has_next: boolean }).data.map((g) => g.display_name),
      ["Engineers"],
    );
    assert.equal((second.body as { has_next: boolean }).has_next, false);

    const wildcard = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-a/groups?display_name=%25");
    assert.equal((wildcard.body as { total_count: number }).total_count, 0, "% is a character, not a wildcard");
  });

  it("gets a group with its members in username order", async () => {
    const res = await rest(server, adminA.key, "GET", `/api/v1/tenants/groups-a/groups/${engineersId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const group = res.body as GroupBody;
    assert.equal(group.display_name, "Engineers");
    assert.equal(group.external_id, "ext-1");
    assert.deepEqual(
      group.members.map((m) => m.username),
      ["bob", "carol"],
    );
  });

  it("finds no group of another tenant, nor another tenant's groups", async () => {
    const foreignId = await rest(server, adminA.key, "GET", `/api/v1/tenants/groups-a/groups/${groupOfB}`);
    assert.equal(foreignId.status, 404);
    const unknown = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-a/groups/not-a-uuid");
    assert.equal(unknown.status, 404);
    const foreignTenant = await rest(server, adminA.key, "GET", "/api/v1/tenants/groups-b/groups");
    assert.equal(foreignTenant.status, 404);
    const ofB = await rest(server, adminB.key, "GET", "/api/v1/tenants/groups-b/groups");
    assert.deepEqual(
      (ofB.body as { data: GroupBody[] }).data.map((g) => g.display_name),
      ["Engineers B"],
    );
  });
});

describe("groups over gRPC", () => {
  it("lists and gets as over REST", async () => {
    const page = await grpcClient.rpc.listGroups({ tenantId: "groups-a", displayName: "sal" }, keyed(adminA.key));
    assert.deepEqual(
      page.data.map((g) => g.displayName),
      ["Sales"],
    );
    const got = await grpcClient.rpc.getGroup({ tenantId: "groups-a", groupId: engineersId }, keyed(adminA.key));
    assert.deepEqual(
      got.group?.members.map((m) => m.username),
      ["bob", "carol"],
    );
  });

  it("answers NOT_FOUND for another tenant's group and tenant", async () => {
    await assert.rejects(
      grpcClient.rpc.getGroup({ tenantId: "groups-a", groupId: groupOfB }, keyed(adminA.key)),
      (error: { code?: number }) => error.code === grpc.status.NOT_FOUND,
    );
    await assert.rejects(
      grpcClient.rpc.listGroups({ tenantId: "groups-b" }, keyed(adminA.key)),
      (error: { code?: number }) => error.code === grpc.status.NOT_FOUND,
    );
  });
});
