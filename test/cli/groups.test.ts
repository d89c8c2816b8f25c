// `svault groups list|get` run as a child process against the real service: the groups SCIM
// provisioned, filtered by display-name prefix, and one with its members; an unknown id exits 4.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GROUP_SCHEMA, USER_SCHEMA, scimClient } from "../scim/scim-client.js";
import { createTenant, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { cliJson, runCli, serverEnv } from "./run-cli.js";

let server: TestServer;
let opsId: string;
before(async () => {
  server = await startTestServer();
  await createTenant(server, "cli-g");
  const scim = scimClient(server, "cli-g", (await seedUserWithKey(server, "cli-g", ["tenant_admin"], ["scim"])).key);
  const dana = await scim("POST", "/Users", { schemas: [USER_SCHEMA], userName: "dana", emails: [{ value: "dana@example.com" }] });
  assert.equal(dana.status, 201, JSON.stringify(dana.body));
  opsId = (await scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ops", members: [{ value: dana.body.id }] })).body
    .id as string;
  await scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Marketing" });
});
after(() => server.close());

type Json = Record<string, unknown>;

describe("svault groups", () => {
  it("lists by display-name prefix and gets a group with its members", async () => {
    const page = await cliJson<{ data: Json[]; total_count: number }>(server, [
      "groups",
      "list",
      "--tenant-id",
      "cli-g",
      "--display-name",
      "op",
    ]);
    assert.deepEqual(
      page.data.map((g) => g.display_name),
      ["Ops"],
    );
    assert.equal(page.total_count, 1);
    const group = await cliJson<{ group_id: string; members: Json[] }>(server, ["groups", "get", opsId, "--tenant-id", "cli-g"]);
    assert.equal(group.group_id, opsId);
    assert.deepEqual(
      group.members.map((m) => m.username),
      ["dana"],
    );
  });

  it("exits 4 with one line for an unknown group", async () => {
    const result = await runCli(["groups", "get", "00000000-0000-4000-8000-000000000000", "--tenant-id", "cli-g"], {
      env: serverEnv(server),
    });
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr.trim(), /^error: not found: Group .* not found \(GROUP_NOT_FOUND\)$/);
  });
});
