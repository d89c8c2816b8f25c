// API keys as an API user sees them: shown once, stored only as a hash, usable as X-API-Key or
// Authorization: Bearer, regenerated and deleted, bounded by their creator's scopes and their
// owner's role.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ApiKeyService } from "../../gen/svault/apikey/v1/api_key_service_pb.js";
import { parseApiKey } from "../../src/domain/auth/api-key-secret.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { UserEntity } from "../../src/persistence/entities/user.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { createTenant, grpcClient, rest, restWithHeaders, seedUserWithKey, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let defaultTenant: string;
before(async () => {
  server = await startTestServer();
  defaultTenant = server.config.defaultTenant;
  await createTenant(server, "acme");
  await createTenant(server, "globex");
});
after(() => server.close());

type Json = Record<string, unknown>;
const KEY = /^svk_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const ADMIN_SCOPES = SCOPES.filter((scope) => scope !== "tenants:admin");

const createKey = (scopes: string[], tenantId = defaultTenant, key = server.adminKey, name = "test key") =>
  rest(server, key, "POST", "/api/v1/api-keys", { name, scopes, tenant_id: tenantId });
const listKeys = (tenantId = defaultTenant, key = server.adminKey) => rest(server, key, "GET", `/api/v1/api-keys?tenant_id=${tenantId}`);
const scopesOf = (key: string) => rest(server, key, "GET", "/api/v1/api-keys/scopes");

async function issued(
  scopes: string[],
  tenantId = defaultTenant,
  key = server.adminKey,
): Promise<{ keyId: string; apiKey: string; body: Json }> {
  const res = await createKey(scopes, tenantId, key);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const body = res.body as Json;
  return { keyId: body.key_id as string, apiKey: body.api_key as string, body };
}

function secretPartOf(apiKey: string): string {
  const parsed = parseApiKey(apiKey);
  assert.ok(parsed, `a well-formed key: ${apiKey}`);
  return parsed.secret;
}

async function storedKeyRow(keyId: string): Promise<Json | undefined> {
  const rows = (await server.running.database.orm.em.getConnection().execute("select * from api_key where id = ?", [keyId])) as Json[];
  return rows[0];
}

/** The key with its last character changed: well-formed, but the wrong secret. */
function tampered(apiKey: string): string {
  return `${apiKey.slice(0, -1)}${apiKey.endsWith("A") ? "B" : "A"}`;
}

function assertUnauthenticated(res: { status: number; body: unknown }, label: string): void {
  assert.equal(res.status, 401, `${label}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof (res.body as Json).detail, "string", `${label}: detail string`);
}

describe("create and list API keys", () => {
  it("answers the key once, in the 201 answer; lists never include it", async () => {
    const res = await createKey(["api_keys:read", "clients:read"], defaultTenant, server.adminKey, "ci");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as Json;
    const match = KEY.exec(body.api_key as string);
    assert.ok(match, `key shape: ${body.api_key}`);
    assert.equal(body.key_id, match[1], "the key's id is its public id");
    assert.equal(body.name, "ci");
    assert.deepEqual(body.scopes, ["api_keys:read", "clients:read"]);
    assert.equal(body.tenant_id, defaultTenant);
    assert.equal(body.is_active, true);
    assert.equal(body.last_use_at, null, "never used (unset optional fields are null, as in the reference)");
    const adminKeyRow = await storedKeyRow(parseApiKey(server.adminKey)?.id as string);
    assert.equal(body.user_id, adminKeyRow?.user_id, "owned by the caller");

    const listed = await listKeys();
    assert.equal(listed.status, 200);
    const keys = (listed.body as { api_keys: Json[] }).api_keys;
    assert.ok(keys.length >= 2, "the bootstrap key and this one");
    assert.ok(
      keys.every((k) => k.api_key === null),
      "no secret in the list",
    );
    const api_key = body.api_key;
    assert.deepEqual(
      keys.find((k) => k.key_id === body.key_id),
      { ...body, api_key: null },
    );
    const own = await rest(server, server.adminKey, "GET", "/api/v1/users/me/api-keys");
    assert.ok((own.body as { api_keys: Json[] }).api_keys.every((k) => k.api_key === null));
    assert.ok(!JSON.stringify(listed.body).includes(api_key as string));
  });

  it("lists a tenant's keys newest first, and only that tenant's", async () => {
    const made: string[] = [];
    for (const name of ["first", "second", "third"]) {
      const res = await createKey(["profile"], "globex", server.adminKey, name);
      made.push((res.body as Json).key_id as string);
    }
    const keys = ((await listKeys("globex")).body as { api_keys: Json[] }).api_keys;
    assert.deepEqual(
      keys.map((k) => k.key_id),
      [...made].reverse(),
    );
    assert.ok(keys.every((k) => k.tenant_id === "globex"));
    const times = keys.map((k) => Date.parse(k.created_at as string));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  it("works as X-API-Key and as Authorization: Bearer (SCIM style)", async () => {
    const { apiKey } = await issued(["api_keys:read", "clients:read"]);
    const viaHeader = await scopesOf(apiKey);
    assert.equal(viaHeader.status, 200, JSON.stringify(viaHeader.body));
    assert.deepEqual((viaHeader.body as Json).scopes, ["clients:read", "api_keys:read"], "exactly the key's scopes");
    for (const authorization of [`Bearer ${apiKey}`, `bearer ${apiKey}`]) {
      const viaBearer = await restWithHeaders(server, { authorization }, "GET", "/api/v1/api-keys/scopes");
      assert.equal(viaBearer.status, 200, authorization.split(" ")[0]);
      assert.deepEqual(viaBearer.body, viaHeader.body);
    }
    // The key grants nothing beyond its scopes.
    assert.equal((await rest(server, apiKey, "GET", "/api/v1/tenants")).status, 403);
    assert.equal((await rest(server, apiKey, "GET", "/api/v1/clients?tenant_id=acme")).status, 200);
  });

  it("stores only a hash of the key: the key appears nowhere in the table", async () => {
    const { keyId, apiKey } = await issued(["profile"]);
    const secret = secretPartOf(apiKey);
    const row = await storedKeyRow(keyId);
    const hash = row?.secret_hash as Buffer;
    assert.ok(Buffer.isBuffer(hash));
    assert.notDeepEqual(hash, Buffer.from(apiKey));
    assert.notDeepEqual(hash, Buffer.from(secret));
    assert.deepEqual(hash, createHash("sha256").update(secret).digest());
    const dump = (
      (await server.running.database.orm.em.getConnection().execute("select k::text as row from api_key k")) as { row: string }[]
    )
      .map((r) => r.row)
      .join("\n");
    assert.ok(dump.includes(keyId), "the dump is of the right table");
    for (const needle of [apiKey, secret, Buffer.from(secret).toString("hex"), Buffer.from(apiKey).toString("hex"), server.adminKey]) {
      assert.ok(!dump.includes(needle), `found ${needle.slice(0, 12)}… in api_key`);
    }
  });

  it("shows a 16-hex fingerprint that reveals nothing of the key", async () => {
    const { keyId, apiKey, body } = await issued(["profile"]);
    const fingerprint = body.key_hash as string;
    assert.match(fingerprint, /^[0-9a-f]{16}$/);
    assert.ok(!apiKey.includes(fingerprint));
    assert.ok(!apiKey.toLowerCase().includes(fingerprint));
    const secretHex = createHash("sha256").update(secretPartOf(apiKey)).digest("hex");
    assert.ok(!secretHex.includes(fingerprint), "not a piece of the stored hash either");
    const listed = (await listKeys()).body as { api_keys: Json[] };
    assert.equal(listed.api_keys.find((k) => k.key_id === keyId)?.key_hash, fingerprint, "stable across reads");
    const other = await issued(["profile"]);
    assert.notEqual(other.body.key_hash, fingerprint);
  });

  it("rejects an unknown scope with 422 naming scopes, and creates nothing", async () => {
    const before = ((await listKeys()).body as { api_keys: Json[] }).api_keys.length;
    const res = await createKey(["clients:read", "everything"]);
    assert.deepEqual(violationLocs(res), [["body", "scopes"]]);
    assert.match(JSON.stringify(res.body), /everything/);
    assert.deepEqual(violationLocs(await createKey([])), [["body", "scopes"]], "at least one scope");
    assert.deepEqual(violationLocs(await createKey(["profile", "profile"])), [["body", "scopes"]], "unique");
    assert.equal(((await listKeys()).body as { api_keys: Json[] }).api_keys.length, before);
    const unknownTenant = await createKey(["profile"], "no-such-tenant");
    assert.equal(unknownTenant.status, 404);
  });

  it("refuses to grant a scope its creator lacks (403), and allows a subset", async () => {
    const limited = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:write", "api_keys:read"]);
    const res = await createKey(["clients:write"], "acme", limited.key);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(typeof (res.body as Json).detail, "string");
    const mixed = await createKey(["api_keys:read", "clients:write"], "acme", limited.key);
    assert.equal(mixed.status, 403);
    const subset = await createKey(["api_keys:read"], "acme", limited.key);
    assert.equal(subset.status, 201, JSON.stringify(subset.body));
    assert.equal((subset.body as Json).user_id, limited.userId);
  });

  it("answers the same over gRPC", async () => {
    const client = grpcClient(server, ApiKeyService);
    const unknown = await client.createApiKey({ name: "g", scopes: ["nope"], tenantId: defaultTenant }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(unknown.code, Code.InvalidArgument);
    assert.deepEqual(
      unknown.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field),
      ["scopes"],
    );
    const limited = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:write"]);
    const denied = await client.createApiKey({ name: "g", scopes: ["clients:write"], tenantId: "acme" }, withKey(limited.key)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(denied.code, Code.PermissionDenied);
    const created = await client.createApiKey({ name: "g", scopes: ["profile"], tenantId: defaultTenant }, withKey(server.adminKey));
    assert.match(created.key?.apiKey ?? "", KEY);
    const listed = await client.listApiKeys({ tenantId: defaultTenant }, withKey(server.adminKey));
    assert.ok(listed.apiKeys.every((k) => k.apiKey === undefined));
    const badKey = await client.listApiKeys({ tenantId: defaultTenant }, withKey(tampered(created.key?.apiKey ?? ""))).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(badKey.code, Code.Unauthenticated);
  });
});

describe("regenerate and delete", () => {
  it("regenerate keeps the id, name and scopes; the old key stops working at once", async () => {
    const { keyId, apiKey, body } = await issued(["api_keys:read"]);
    assert.equal((await scopesOf(apiKey)).status, 200);
    const res = await rest(server, server.adminKey, "POST", `/api/v1/api-keys/${keyId}/regenerate`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const renewed = res.body as Json;
    assert.equal(renewed.key_id, keyId);
    assert.equal(renewed.name, body.name);
    assert.deepEqual(renewed.scopes, body.scopes);
    assert.equal(renewed.created_at, body.created_at);
    assert.match(renewed.api_key as string, KEY);
    assert.notEqual(renewed.api_key, apiKey);
    assert.equal(KEY.exec(renewed.api_key as string)?.[1], keyId, "same public id inside the key");
    assert.notEqual(renewed.key_hash, body.key_hash, "a new fingerprint");
    assert.equal(renewed.last_use_at, null);

    assertUnauthenticated(await scopesOf(apiKey), "old key");
    assert.equal((await scopesOf(renewed.api_key as string)).status, 200, "new key");
    assert.deepEqual(
      (await storedKeyRow(keyId))?.secret_hash,
      createHash("sha256")
        .update(secretPartOf(renewed.api_key as string))
        .digest(),
    );
    const missing = await rest(server, server.adminKey, "POST", "/api/v1/api-keys/aaaaaaaaaaaaaaaa/regenerate");
    assert.equal(missing.status, 404);
  });

  it("delete answers 204; the key then fails with 401 and is gone from the list", async () => {
    const { keyId, apiKey } = await issued(["api_keys:read"]);
    assert.equal((await scopesOf(apiKey)).status, 200);
    const res = await rest(server, server.adminKey, "DELETE", `/api/v1/api-keys/${keyId}`);
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    assertUnauthenticated(await scopesOf(apiKey), "deleted key");
    assertUnauthenticated(
      await restWithHeaders(server, { authorization: `Bearer ${apiKey}` }, "GET", "/api/v1/api-keys/scopes"),
      "deleted key as Bearer",
    );
    assert.ok(!((await listKeys()).body as { api_keys: Json[] }).api_keys.some((k) => k.key_id === keyId));
    assert.equal(await storedKeyRow(keyId), undefined);
    assert.equal((await rest(server, server.adminKey, "DELETE", `/api/v1/api-keys/${keyId}`)).status, 404);
    assert.equal((await rest(server, server.adminKey, "POST", `/api/v1/api-keys/${keyId}/regenerate`)).status, 404);
  });

  it("an administrator cannot take over a stronger key by regenerating or deleting it", async () => {
    // A tenant admin of acme whose key may only manage keys.
    const keyManager = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:read", "api_keys:write"]);
    // Another acme admin's full key, and a key the super admin made to act in acme.
    const fullAdmin = await seedUserWithKey(server, "acme", ["tenant_admin"], [...ADMIN_SCOPES]);
    const superAdmins = await issued(["clients:read"], "acme");
    for (const keyId of [fullAdmin.keyId, superAdmins.keyId]) {
      for (const [method, path] of [
        ["POST", `/api/v1/api-keys/${keyId}/regenerate`],
        ["DELETE", `/api/v1/api-keys/${keyId}`],
      ] as const) {
        const res = await rest(server, keyManager.key, method, path);
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
      }
    }
    assert.equal((await scopesOf(fullAdmin.key)).status, 200, "the stronger key still works");
    assert.equal((await rest(server, superAdmins.apiKey, "GET", "/api/v1/clients?tenant_id=acme")).status, 200);
    // A key no stronger than the manager's own is fine.
    const peer = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:read"]);
    assert.equal((await rest(server, keyManager.key, "POST", `/api/v1/api-keys/${peer.keyId}/regenerate`)).status, 200);
  });

  it("a key can delete itself", async () => {
    const { keyId, apiKey } = await issued(["api_keys:write", "api_keys:read"]);
    assert.equal((await rest(server, apiKey, "DELETE", `/api/v1/api-keys/${keyId}`)).status, 204);
    assertUnauthenticated(await scopesOf(apiKey), "self-deleted key");
  });
});

describe("what a key may do", () => {
  it("a plain user's key gets only `profile`, whatever scopes it lists", async () => {
    const plain = await seedUserWithKey(server, "acme", [], ["profile", "clients:read"]);
    const clients = await rest(server, plain.key, "GET", "/api/v1/clients?tenant_id=acme");
    assert.equal(clients.status, 403, JSON.stringify(clients.body));
    assert.equal(typeof (clients.body as Json).detail, "string");
    const own = await rest(server, plain.key, "GET", "/api/v1/users/me/api-keys");
    assert.equal(own.status, 200);
    const grant = await rest(server, plain.key, "POST", "/api/v1/users/me/api-keys", {
      name: "n",
      scopes: ["clients:read"],
      tenant_id: "acme",
    });
    assert.equal(grant.status, 403);
    const profile = await rest(server, plain.key, "POST", "/api/v1/users/me/api-keys", {
      name: "n",
      scopes: ["profile"],
      tenant_id: "acme",
    });
    assert.equal(profile.status, 201, JSON.stringify(profile.body));
  });

  it("a tenant admin's key never gets tenants:admin, even when it lists it", async () => {
    const admin = await seedUserWithKey(server, "acme", ["tenant_admin"], [...SCOPES]);
    const res = await scopesOf(admin.key);
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as Json).scopes, ADMIN_SCOPES);
    assert.deepEqual((res.body as Json).tenants, ["acme"]);
    assert.equal((await rest(server, admin.key, "POST", "/api/v1/tenants", { tenant_id: "sneaky" })).status, 403);
  });

  it("a super admin's key made for another tenant administers only that tenant", async () => {
    const { apiKey, keyId } = await issued([...SCOPES], "acme");
    const res = await scopesOf(apiKey);
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as Json).tenants, ["acme"]);
    assert.deepEqual((res.body as Json).scopes, ADMIN_SCOPES);
    assert.equal((await rest(server, apiKey, "GET", "/api/v1/clients?tenant_id=acme")).status, 200);
    assert.equal((await rest(server, apiKey, "GET", "/api/v1/clients?tenant_id=globex")).status, 404);
    const tenants = (await rest(server, apiKey, "GET", "/api/v1/tenants")).body as { tenants: Json[] };
    assert.deepEqual(
      tenants.tenants.map((t) => t.tenant_id),
      ["acme"],
    );
    // Its owner's own keys, as far as they act in that tenant, and the tenant's list, show it.
    const own = (await rest(server, apiKey, "GET", "/api/v1/users/me/api-keys")).body as { api_keys: Json[] };
    assert.ok(
      own.api_keys.some((k) => k.key_id === keyId),
      JSON.stringify(own),
    );
    assert.ok(own.api_keys.every((k) => k.tenant_id === "acme"));
    const listed = (await listKeys("acme", apiKey)).body as { api_keys: Json[] };
    assert.ok(listed.api_keys.some((k) => k.key_id === keyId));
  });

  it("a disabled user's keys stop working, and work again when re-enabled", async () => {
    const user = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:read"]);
    assert.equal((await scopesOf(user.key)).status, 200);
    const setDisabled = (isDisabled: boolean) =>
      scopeToTenant(server.running.database.orm.em.fork(), "acme").nativeUpdate(UserEntity, { id: user.userId }, { isDisabled });
    await setDisabled(true);
    assertUnauthenticated(await scopesOf(user.key), "disabled user");
    assertUnauthenticated(
      await restWithHeaders(server, { authorization: `Bearer ${user.key}` }, "GET", "/api/v1/api-keys/scopes"),
      "disabled user, Bearer",
    );
    await setDisabled(false);
    assert.equal((await scopesOf(user.key)).status, 200);
  });

  it("an inactive key is refused", async () => {
    const user = await seedUserWithKey(server, "acme", ["tenant_admin"], ["api_keys:read"]);
    await scopeToTenant(server.running.database.orm.em.fork(), "acme").nativeUpdate(ApiKeyEntity, { id: user.keyId }, { isActive: false });
    assertUnauthenticated(await scopesOf(user.key), "inactive key");
  });

  it("malformed keys and wrong secrets are 401 with a detail string", async () => {
    const { keyId, apiKey } = await issued(["api_keys:read"]);
    const secret = secretPartOf(apiKey);
    const wrongSecret = `svk_${keyId}_${secret.startsWith("A") ? "B" : "A"}${secret.slice(1)}`;
    const malformed = [
      "nonsense",
      "svk_",
      "svk_abc_def",
      `svk_${keyId}_${secret.slice(1)}`,
      `svk_${keyId}_${secret}x`,
      `svk_${keyId.toUpperCase()}_${secret}`,
      `SVK_${keyId}_${secret}`,
      `${apiKey} `.repeat(2).trim(),
      wrongSecret,
      `svk_${"a".repeat(16)}_${secret}`,
    ];
    for (const presented of malformed) {
      assertUnauthenticated(await scopesOf(presented), `X-API-Key ${presented.slice(0, 24)}`);
    }
    for (const presented of [wrongSecret, `svk_${"a".repeat(16)}_${secret}`]) {
      assertUnauthenticated(
        await restWithHeaders(server, { authorization: `Bearer ${presented}` }, "GET", "/api/v1/api-keys/scopes"),
        `Bearer ${presented.slice(0, 24)}`,
      );
    }
    assertUnauthenticated(
      await restWithHeaders(server, { authorization: "Bearer not-a-jwt" }, "GET", "/api/v1/api-keys/scopes"),
      "opaque bearer",
    );
    assertUnauthenticated(
      await restWithHeaders(server, { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }, "GET", "/api/v1/api-keys/scopes"),
      "Basic",
    );
    assertUnauthenticated(await restWithHeaders(server, { authorization: apiKey }, "GET", "/api/v1/api-keys/scopes"), "no scheme");
    // The real key still works after all that.
    assert.equal((await scopesOf(apiKey)).status, 200);
  });

  it("records last_use_at after a use, and a regeneration clears it", async () => {
    const { keyId, apiKey } = await issued(["api_keys:read"]);
    const lastUse = async () => ((await listKeys()).body as { api_keys: Json[] }).api_keys.find((k) => k.key_id === keyId)?.last_use_at;
    assert.equal(await lastUse(), null);
    const before = Date.now();
    assert.equal((await scopesOf(apiKey)).status, 200);
    // The use is written after the answer, in the background: awaited, not waited for.
    await server.settled();
    const seen = await lastUse();
    assert.equal(typeof seen, "string", "last_use_at recorded");
    assert.ok(Math.abs(Date.parse(seen as string) - before) < 60_000, `last_use_at ${seen}`);
    const renewed = await rest(server, server.adminKey, "POST", `/api/v1/api-keys/${keyId}/regenerate`);
    assert.equal((renewed.body as Json).last_use_at, null);
    assert.equal(await lastUse(), null);
  });
});

describe("GET /api/v1/api-keys/scopes", () => {
  it("lists every scope and every tenant for the super admin", async () => {
    const res = await scopesOf(server.adminKey);
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as Json).scopes, [...SCOPES]);
    const stored = (await server.running.database.orm.em.getConnection().execute("select id from tenant")) as { id: string }[];
    const tenants = (res.body as Json).tenants as string[];
    assert.deepEqual([...tenants].sort(), stored.map((t) => t.id).sort());
    assert.deepEqual(tenants, [...tenants].sort(), "ordered");
    for (const id of [defaultTenant, "acme", "globex"]) assert.ok(tenants.includes(id), id);
  });
});
