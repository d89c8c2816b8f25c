// First start on an empty database (a super-admin key announced once, never again) and the rule
// that no secret ever reaches the logs: client secrets, API keys, the admin key, codes in URLs.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { parseApiKey } from "../../src/domain/auth/api-key-secret.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { createTenant, grpcClient, rest, restWithHeaders, withKey } from "../support/fixtures.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const KEYS = /svk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}/g;

type Json = Record<string, unknown>;

async function call(port: number, key: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { "x-api-key": key } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("bootstrap of an empty database", () => {
  let db: TestDatabase;
  const running: RunningServer[] = [];
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const server of running) await server.close().catch(() => undefined);
    await db.drop();
  });

  it("announces exactly one super-admin key, which works; a restart announces nothing", async () => {
    const config = testConfig({ DATABASE_URL: db.url });
    assert.equal(config.bootstrapApiKey, undefined);
    const logs = captureLogs("trace");
    const announced: string[] = [];
    const first = await startServer(config, logs.logger, { announce: (text) => announced.push(text) });
    running.push(first);

    assert.equal(announced.length, 1, "announced once");
    const keys = announced.join("").match(KEYS) ?? [];
    assert.equal(keys.length, 1, `exactly one key in: ${announced.join("")}`);
    const key = keys[0] as string;
    const keyId = parseApiKey(key)?.id as string;
    assert.match(announced[0] as string, new RegExp(`tenant "${config.defaultTenant}"`));

    const tenants = await call(first.port, key, "/api/v1/tenants");
    assert.equal(tenants.status, 200, JSON.stringify(tenants.body));
    assert.deepEqual(
      (tenants.body as { tenants: Json[] }).tenants.map((t) => t.tenant_id),
      [config.defaultTenant],
    );
    const scopes = await call(first.port, key, "/api/v1/api-keys/scopes");
    assert.deepEqual((scopes.body as Json).scopes, [...SCOPES], "a super admin with every scope");

    // The log names the bootstrap and the key's public id, never the key.
    const text = logs.text();
    assert.ok(text.includes("bootstrapped an empty database"));
    assert.ok(text.includes(keyId));
    assert.ok(!text.includes(key), "the key is not logged");
    assert.ok(!text.includes(parseApiKey(key)?.secret as string), "nor its secret part");

    await first.close();
    running.pop();

    const restartLogs = captureLogs("info");
    const again: string[] = [];
    const second = await startServer(testConfig({ DATABASE_URL: db.url, SVAULT_KEK: config.kek as string }), restartLogs.logger, {
      announce: (text) => again.push(text),
    });
    running.push(second);
    assert.deepEqual(again, [], "nothing announced on restart");
    assert.ok(!restartLogs.text().includes("bootstrapped"));
    assert.equal((await call(second.port, key, "/api/v1/tenants")).status, 200, "the key survives the restart");
    const connection = second.database.orm.em.getConnection();
    const [counts] = (await connection.execute(
      "select (select count(*)::int from tenant) as tenants, (select count(*)::int from api_key) as keys, (select count(*)::int from app_user) as users, (select count(*)::int from tenant_key) as tenant_keys",
    )) as Json[];
    assert.deepEqual(counts, { tenants: 1, keys: 1, users: 1, tenant_keys: 3 }, "nothing bootstrapped twice");
  });

  it("announces nothing when SVAULT_BOOTSTRAP_API_KEY names the key", async () => {
    const announced: string[] = [];
    const server = await startTestServer({ announce: (text) => announced.push(text) });
    try {
      assert.deepEqual(announced, []);
      assert.equal((await rest(server, server.adminKey, "GET", "/api/v1/tenants")).status, 200);
      assert.ok(!server.logs.text().includes(server.adminKey));
    } finally {
      await server.close();
    }
  });
});

/** Exercises every secret-bearing operation; returns the secrets that must never be logged. */
async function exerciseSecrets(server: TestServer): Promise<{ secrets: string[]; codeValue: string }> {
  const secrets = [server.adminKey];
  await createTenant(server, "secretive");
  const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", { client_id: "app", tenant_id: "secretive", name: "App" });
  assert.equal(created.status, 201);
  secrets.push((created.body as Json).client_secret as string);
  const imported = `imported-${randomBytes(24).toString("hex")}`;
  const importedRes = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    client_id: "imported",
    tenant_id: "secretive",
    name: "Imported",
    client_secret: imported,
  });
  assert.equal(importedRes.status, 201);
  secrets.push(imported);
  const regenerated = await rest(server, server.adminKey, "POST", "/api/v1/tenants/secretive/clients/app/secret");
  assert.equal(regenerated.status, 200);
  secrets.push((regenerated.body as Json).client_secret as string);

  const key = await rest(server, server.adminKey, "POST", "/api/v1/api-keys", {
    name: "k",
    scopes: ["clients:read", "api_keys:read"],
    tenant_id: "secretive",
  });
  assert.equal(key.status, 201);
  const firstKey = (key.body as Json).api_key as string;
  secrets.push(firstKey);
  const renewed = await rest(server, server.adminKey, "POST", `/api/v1/api-keys/${(key.body as Json).key_id}/regenerate`);
  assert.equal(renewed.status, 200);
  const apiKey = (renewed.body as Json).api_key as string;
  secrets.push(apiKey);
  const own = await rest(server, server.adminKey, "POST", "/api/v1/users/me/api-keys", {
    name: "mine",
    scopes: ["profile"],
    tenant_id: "secretive",
  });
  secrets.push((own.body as Json).api_key as string);

  // Calls with the keys: every header form, REST and gRPC, good and bad.
  assert.equal((await rest(server, apiKey, "GET", "/api/v1/clients?tenant_id=secretive")).status, 200);
  assert.equal((await restWithHeaders(server, { authorization: `Bearer ${apiKey}` }, "GET", "/api/v1/api-keys/scopes")).status, 200);
  assert.equal((await rest(server, firstKey, "GET", "/api/v1/api-keys/scopes")).status, 401, "the replaced key");
  const wrong = `svk_${parseApiKey(apiKey)?.id}_${randomBytes(32).toString("base64url")}`;
  secrets.push(wrong);
  assert.equal((await restWithHeaders(server, { authorization: `Bearer ${wrong}` }, "GET", "/api/v1/api-keys/scopes")).status, 401);
  const client = grpcClient(server, ClientService);
  await client.listClients({ tenantId: "secretive" }, withKey(apiKey));
  await client.getClient({ tenantId: "secretive", clientId: "app" }, { headers: { authorization: `Bearer ${server.adminKey}` } });
  await client.listClients({ tenantId: "secretive" }, withKey(wrong)).catch(() => undefined);
  // A malformed body carrying a secret, and a secret in a query string.
  await fetch(`${server.baseUrl}/api/v1/clients`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": server.adminKey },
    body: `{"client_secret": "${imported}-broken`,
  });
  const codeValue = `SECRETVALUE${randomBytes(12).toString("hex")}`;
  secrets.push(codeValue);
  const withCode = await fetch(`${server.baseUrl}/api/v1/auth/client?client_id=app&tenant_id=secretive&code=${codeValue}`);
  assert.equal(withCode.status, 200);
  await fetch(`${server.baseUrl}/no/such/route?code=${codeValue}&token=${apiKey}`);
  return { secrets, codeValue };
}

function assertNoSecrets(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(secret && secret.length >= 20, "a real secret");
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 10)}…) is in the logs`);
    const parsed = parseApiKey(secret);
    if (parsed) assert.ok(!text.includes(parsed.secret), `the secret part of ${secret.slice(0, 10)}… is in the logs`);
  }
}

describe("no secret ever reaches the logs", () => {
  it("at the default level: client secrets, API keys, the admin key, codes in URLs", async () => {
    const server = await startTestServer();
    try {
      const { secrets, codeValue } = await exerciseSecrets(server);
      const text = server.logs.text();
      assertNoSecrets(text, secrets);

      const lines = server.logs.lines.map((line) => JSON.parse(line) as Json);
      const requests = lines.filter((line) => line.msg === "request");
      assert.ok(requests.length >= 10, `requests are logged (${requests.length})`);
      const codeRequest = requests.find((line) => line.path === "/api/v1/auth/client");
      assert.ok(codeRequest, "the request with a code is logged");
      assert.equal(codeRequest.path, "/api/v1/auth/client", "its path only");
      assert.equal(codeRequest.status, 200);
      assert.ok(!text.includes(codeValue));
      assert.ok(requests.some((line) => line.path === "/no/such/route"));
      assert.ok(
        requests.every((line) => typeof line.path === "string" && !line.path.includes("?")),
        "no query string anywhere",
      );
    } finally {
      await server.close();
    }
  });

  it("even at trace level", async () => {
    const db = await createTestDatabase();
    const adminKey = `svk_${"a".repeat(16)}_${randomBytes(32).toString("base64url")}`;
    const config = testConfig({ DATABASE_URL: db.url, SVAULT_BOOTSTRAP_API_KEY: adminKey });
    const logs = captureLogs("trace");
    const running = await startServer(config, logs.logger);
    // What the helpers need of a test server, around a server whose logger traces everything.
    const server = {
      config,
      app: running.app,
      running,
      baseUrl: `http://127.0.0.1:${running.port}`,
      grpcUrl: `http://127.0.0.1:${running.grpcPort}`,
      grpcPort: running.grpcPort,
      adminKey,
      logs,
      db,
      close: async () => {
        await running.close();
        await db.drop();
      },
    } satisfies Partial<TestServer> as TestServer;
    try {
      const { secrets } = await exerciseSecrets(server);
      const lines = logs.lines.map((line) => JSON.parse(line) as Json);
      assert.ok(
        lines.some((line) => line.level === 20),
        "debug lines are logged",
      );
      assert.ok(lines.filter((line) => line.msg === "request").length >= 10, "requests are logged");
      assertNoSecrets(logs.text(), secrets);
    } finally {
      await server.close();
    }
  });
});
