// `svault scim …` run as a child process against the real service, with the provisioning key an
// operator makes with `svault api-keys create --scopes scim`: the discovery documents, users and
// groups created, filtered, replaced, patched and deleted (JSON output checked against what the
// REST API answers for the same resource, tables checked for what a person reads), and the exit
// codes of a bad filter, a missing resource and a key without the scope.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GROUP_SCHEMA, USER_SCHEMA, scimClient } from "../scim/scim-client.js";
import { createTenant, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { type CliResult, runCli, serverEnv } from "./run-cli.js";

const TENANT = "cli-scim";
let server: TestServer;
let provisioningKey: string;
before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT);
  const admin = await seedUserWithKey(server, TENANT, ["tenant_admin"], ["api_keys:write", "scim"]);
  // The token setup docs/scim.md gives a provisioning client, through the CLI.
  const created = await runCli(["api-keys", "create", "--tenant-id", TENANT, "--name", "Entra ID", "--scopes", "scim", "-o", "json"], {
    env: serverEnv(server, admin.key),
  });
  assert.equal(created.code, 0, created.stderr);
  provisioningKey = (JSON.parse(created.stdout) as { api_key: string }).api_key;
  assert.match(provisioningKey, /^svk_/);
});
after(() => server.close());

type Json = Record<string, unknown>;
const svault = (args: readonly string[], input?: string, key = provisioningKey) =>
  runCli([...args, "--tenant-id", TENANT], { env: serverEnv(server, key), ...(input !== undefined ? { input } : {}) });

async function json<T = Json>(args: readonly string[], input?: string): Promise<T> {
  const result = await svault([...args, "-o", "json"], input);
  assert.equal(result.code, 0, `svault ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function table(args: readonly string[]): Promise<string[][]> {
  const result = await svault(args);
  assert.equal(result.code, 0, `svault ${args.join(" ")}: ${result.stderr}`);
  // cli-table3's rows: `│ a │ b │`; the border lines have no cells.
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("│"))
    .map((line) =>
      line
        .split("│")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

function assertFails(result: CliResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.match(lines[0] ?? "", message);
  assert.equal(result.stdout, "");
}

describe("svault scim", () => {
  it("shows the discovery documents: the features, the schemas and the resource types", async () => {
    const config = await json(["scim", "config"]);
    assert.deepEqual(config.patch, { supported: true });
    assert.equal((config.filter as Json).maxResults, 200);
    const schemas = await table(["scim", "schemas"]);
    assert.deepEqual(schemas[0], ["id", "name", "description"]);
    assert.deepEqual(
      schemas.slice(1).map((row) => row[0]),
      [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", GROUP_SCHEMA],
    );
    const types = await json<{ Resources: Json[] }>(["scim", "resource-types"]);
    assert.deepEqual(
      types.Resources.map((type) => [type.id, type.endpoint]),
      [
        ["User", "/Users"],
        ["Group", "/Groups"],
      ],
    );
    const userSchema = await json<{ id: string; attributes: Json[] }>(["scim", "schema", USER_SCHEMA]);
    assert.equal(userSchema.id, USER_SCHEMA);
    assert.ok(userSchema.attributes.some((attribute) => attribute.name === "userName"));
    assert.equal((await json(["scim", "resource-type", "Group"])).schema, GROUP_SCHEMA);
  });

  it("creates, filters, replaces, patches and deletes users; JSON is the SCIM resource REST answers", async () => {
    const scim = scimClient(server, TENANT, provisioningKey);
    const alice = await json<Json & { id: string }>(
      ["scim", "users", "create", "--data", "-"],
      JSON.stringify({
        schemas: [USER_SCHEMA],
        userName: "alice",
        name: { givenName: "Alice", familyName: "Liddell" },
        emails: [{ value: "alice@example.com", primary: true }],
        phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
      }),
    );
    assert.equal(alice.userName, "alice");
    await json(["scim", "users", "create", "--data", JSON.stringify({ userName: "bob", emails: [{ value: "bob@example.com" }] })]);
    assert.deepEqual(await json(["scim", "users", "get", alice.id]), (await scim("GET", `/Users/${alice.id}`)).body);

    const filtered = await json<{ totalResults: number; Resources: Json[] }>([
      "scim",
      "users",
      "list",
      "--filter",
      'emails.value ew "@example.com" and name.givenName eq "Alice"',
    ]);
    assert.equal(filtered.totalResults, 1);
    assert.deepEqual(filtered.Resources[0], (await scim("GET", `/Users/${alice.id}`)).body);

    // The table: one row per user, the columns a person looks for, e-mail addresses from the list.
    // (The tenant's administrator, who has no e-mail address, is filtered out.)
    const provisioned = 'emails.value ew "@example.com"';
    const rows = await table(["scim", "users", "list", "--filter", provisioned, "--sort-by", "userName"]);
    assert.deepEqual(rows[0], ["id", "userName", "displayName", "emails.value", "active", "externalId", "meta.lastModified"]);
    assert.deepEqual(
      rows.slice(1).map((row) => [row[1], row[3], row[4]]),
      [
        ["alice", "alice@example.com", "true"],
        ["bob", "bob@example.com", "true"],
      ],
    );
    const paged = await json<{ totalResults: number; startIndex: number; Resources: Json[] }>([
      "scim",
      "users",
      "list",
      "--filter",
      provisioned,
      "--sort-by",
      "userName",
      "--start-index",
      "2",
      "--count",
      "1",
      "--attributes",
      "userName",
    ]);
    assert.deepEqual(
      [paged.totalResults, paged.startIndex, paged.Resources.map((user) => Object.keys(user).sort())],
      [2, 2, [["id", "schemas", "userName"]]],
    );

    // What `get -o json` printed goes back to `replace` as it is.
    const got = await svault(["scim", "users", "get", alice.id, "-o", "json"]);
    const edited = { ...(JSON.parse(got.stdout) as Json), title: "Queen" };
    const replaced = await json(["scim", "users", "replace", alice.id, "--data", "-"], JSON.stringify(edited));
    assert.equal(replaced.title, "Queen");
    assert.deepEqual(replaced.phoneNumbers, [{ value: "+1 555 0100", type: "work" }]);

    const patched = await json([
      "scim",
      "users",
      "patch",
      alice.id,
      "--data",
      JSON.stringify({ Operations: [{ op: "replace", path: "active", value: false }] }),
    ]);
    assert.equal(patched.active, false);
    assert.equal((await scim("GET", `/Users/${alice.id}`)).body.active, false);

    assert.equal((await svault(["scim", "users", "delete", alice.id])).code, 0);
    assertFails(await svault(["scim", "users", "get", alice.id]), 4, /^error: not found: .*\bnot found\b/i);
    assert.equal((await scim("GET", `/Users/${alice.id}`)).status, 404);
  });

  it("creates groups with members, lists them as a table, patches and deletes them", async () => {
    const carol = await json<{ id: string }>([
      "scim",
      "users",
      "create",
      "--data",
      JSON.stringify({ userName: "carol", emails: [{ value: "carol@example.com" }] }),
    ]);
    const dave = await json<{ id: string }>([
      "scim",
      "users",
      "create",
      "--data",
      JSON.stringify({ userName: "dave", emails: [{ value: "dave@example.com" }] }),
    ]);
    const ops = await json<{ id: string; members: Json[] }>([
      "scim",
      "groups",
      "create",
      "--data",
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: "Ops", members: [{ value: carol.id }] }),
    ]);
    assert.deepEqual(
      ops.members.map((member) => member.value),
      [carol.id],
    );
    await json(["scim", "groups", "create", "--data", JSON.stringify({ displayName: "Sales" })]);

    const rows = await table(["scim", "groups", "list", "--filter", 'displayName eq "Ops"']);
    assert.deepEqual(rows[0], ["id", "displayName", "externalId", "members.display", "meta.lastModified"]);
    assert.deepEqual(
      rows.slice(1).map((row) => [row[0], row[1], row[3]]),
      [[ops.id, "Ops", "carol"]],
    );

    await json([
      "scim",
      "groups",
      "patch",
      ops.id,
      "--data",
      JSON.stringify({ Operations: [{ op: "add", path: "members", value: [{ value: dave.id }] }] }),
    ]);
    const withDave = await json<{ members: Json[] }>(["scim", "groups", "get", ops.id]);
    assert.deepEqual(withDave.members.map((member) => member.display).sort(), ["carol", "dave"]);
    const noMembers = await json(["scim", "groups", "get", ops.id, "--excluded-attributes", "members"]);
    assert.equal(noMembers.members, undefined);

    assert.equal((await svault(["scim", "groups", "delete", ops.id])).code, 0);
    const left = await json<{ totalResults: number; Resources: Json[] }>(["scim", "groups", "list"]);
    assert.deepEqual(
      left.Resources.map((group) => group.displayName),
      ["Sales"],
    );
  });

  it("exits with the usage code on a bad filter, the auth code without the scim scope", async () => {
    assertFails(await svault(["scim", "users", "list", "--filter", "userName eq"]), 2, /^error: invalid argument: .*filter/i);
    assertFails(await svault(["scim", "users", "create", "--data", "{not json"]), 2, /^error: --data is not JSON/);
    const other = await seedUserWithKey(server, TENANT, ["tenant_admin"], ["users:read"]);
    assertFails(await svault(["scim", "users", "list"], undefined, other.key), 3, /^error: permission denied: .*scim/i);
    // The discovery documents need no key at all.
    const anonymous = await runCli(["scim", "config", "--tenant-id", TENANT, "-o", "json"], {
      env: { SVAULT_URL: server.grpcUrl },
    });
    assert.equal(anonymous.code, 0, anonymous.stderr);
  });
});
