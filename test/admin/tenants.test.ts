// Tenant administration as an API user sees it: defaults filled in at creation, every bound of
// the settings, conflicts, partial updates, and deletion of a tenant with everything it owns.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { BlockedIpEntity, BlockedUserEntity } from "../../src/persistence/entities/blocked.js";
import { ClientEntity } from "../../src/persistence/entities/client.js";
import { TenantKeyEntity } from "../../src/persistence/entities/tenant-key.js";
import { UserEntity } from "../../src/persistence/entities/user.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { createTenant, grpcClient, rest, seedUserWithKey, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

type Json = Record<string, unknown>;

const create = (body: Json) => rest(server, server.adminKey, "POST", "/api/v1/tenants", body);
const get = (tenantId: string) => rest(server, server.adminKey, "GET", `/api/v1/tenants/${tenantId}`);
const update = (tenantId: string, body: Json) => rest(server, server.adminKey, "PUT", `/api/v1/tenants/${tenantId}`, body);

const DEFAULT_BLOCK_CONFIG = { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 };

/** Every tenant-owned table and how many rows `tenantId` has in it. */
async function ownedRows(tenantId: string): Promise<Record<string, number>> {
  const em = server.running.database.orm.em.fork();
  const unscoped = { filters: { tenant: false } };
  return {
    client: await em.count(ClientEntity, { tenant: tenantId }, unscoped),
    api_key: await em.count(ApiKeyEntity, { tenant: tenantId }, unscoped),
    tenant_key: await em.count(TenantKeyEntity, { tenant: tenantId }, unscoped),
    app_user: await em.count(UserEntity, { tenant: tenantId }, unscoped),
    blocked_ip: await em.count(BlockedIpEntity, { tenant: tenantId }, unscoped),
    blocked_user: await em.count(BlockedUserEntity, { tenant: tenantId }, unscoped),
  };
}

/** Rows of `tenantId` in any table of the schema that has a tenant_id column (future tables too). */
async function rowsInAnyTable(tenantId: string): Promise<Record<string, number>> {
  const connection = server.running.database.orm.em.getConnection();
  const tables = (await connection.execute(
    "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by table_name",
  )) as { table_name: string }[];
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = (await connection.execute(`select count(*)::int as n from "${table_name}" where tenant_id = ?`, [tenantId])) as {
      n: number;
    }[];
    counts[table_name] = row?.n ?? -1;
  }
  return counts;
}

describe("create tenant", () => {
  it("answers 201 with every default filled in", async () => {
    const res = await create({ tenant_id: "defaults" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tenant = res.body as Json;
    const { created_at, updated_at, ...settings } = tenant;
    assert.deepEqual(settings, {
      tenant_id: "defaults",
      register_enable: false,
      is_2fa: false,
      use_pin: true,
      pin_size: 6,
      use_pattern: true,
      patter_size: 3,
      use_face_recognition: false,
      use_liveness: false,
      display_name: "",
      show_pin_when_typing: true,
      block_config: DEFAULT_BLOCK_CONFIG,
      login_order: ["PIN", "PATTERN"],
      passkey_enabled: false,
      has_username_and_email: true,
      liveness_config: null,
      logo_uri: "",
      primary_color: "",
      background_color: "",
      support_uri: "",
      privacy_policy_uri: "",
      terms_of_service_uri: "",
      default_locale: "en",
      proto_version: "opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1",
      require_pushed_authorization_requests: false,
    });
    assert.equal(typeof created_at, "string");
    assert.ok(Math.abs(Date.parse(created_at as string) - Date.now()) < 60_000, `created_at ${created_at}`);
    assert.equal(typeof updated_at, "string");
    // What was answered is what is stored.
    assert.deepEqual((await get("defaults")).body, tenant);
  });

  it("keeps the settings it is given, and fills the members of block_config it is not given", async () => {
    const res = await create({
      tenant_id: "custom",
      register_enable: true,
      is_2fa: true,
      pin_size: 4,
      use_pattern: false,
      patter_size: 6,
      display_name: "Custom Corp",
      show_pin_when_typing: false,
      block_config: { user_block_after: 20, block_seconds: 0 },
      passkey_enabled: true,
      has_username_and_email: false,
      liveness_config: { provider: "acme-liveness", threshold: 0.8 },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tenant = res.body as Json;
    assert.equal(tenant.register_enable, true);
    assert.equal(tenant.is_2fa, true);
    assert.equal(tenant.pin_size, 4);
    assert.equal(tenant.use_pin, true);
    assert.equal(tenant.use_pattern, false);
    assert.equal(tenant.patter_size, 6);
    assert.equal(tenant.display_name, "Custom Corp");
    assert.equal(tenant.show_pin_when_typing, false);
    assert.deepEqual(tenant.block_config, { ...DEFAULT_BLOCK_CONFIG, user_block_after: 20, block_seconds: 0 });
    assert.deepEqual(tenant.login_order, ["PIN"], "only the enabled factor");
    assert.equal(tenant.passkey_enabled, true);
    assert.equal(tenant.has_username_and_email, false);
    // The reference's two fields as given, and the face step's six resolved over their defaults (docs/face-liveness.md).
    assert.deepEqual(tenant.liveness_config, {
      provider: "acme-liveness",
      threshold: 0.8,
      match_threshold: 0.45,
      min_turn_degrees: 20,
      max_start_yaw_degrees: 15,
      frame_count: 16,
      challenge_timeout_seconds: 30,
      max_attempts: 3,
    });
  });

  it("accepts a login order naming exactly the enabled factors, in any order", async () => {
    const res = await create({ tenant_id: "pattern-first", login_order: ["PATTERN", "PIN"] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual((res.body as Json).login_order, ["PATTERN", "PIN"]);
    const patternOnly = await create({ tenant_id: "pattern-only", use_pin: false, login_order: ["PATTERN"] });
    assert.equal(patternOnly.status, 201, JSON.stringify(patternOnly.body));
    assert.deepEqual((patternOnly.body as Json).login_order, ["PATTERN"]);
  });

  it("accepts the bounds themselves", async () => {
    for (const [id, settings] of [
      ["bounds-low", { pin_size: 4, patter_size: 3 }],
      ["bounds-high", { pin_size: 12, patter_size: 6 }],
      ["ab", {}],
      [`a${"b".repeat(62)}`, {}],
      ["0-digits-first", {}],
    ] as [string, Json][]) {
      const res = await create({ tenant_id: id, ...settings });
      assert.equal(res.status, 201, `${id}: ${JSON.stringify(res.body)}`);
    }
  });

  it("rejects every setting out of its bounds with 422 naming the field", async () => {
    const cases: [Json, (string | number)[]][] = [
      [{ pin_size: 3 }, ["body", "pin_size"]],
      [{ pin_size: 13 }, ["body", "pin_size"]],
      [{ patter_size: 2 }, ["body", "patter_size"]],
      [{ patter_size: 7 }, ["body", "patter_size"]],
      [{ display_name: "x".repeat(257) }, ["body", "display_name"]],
      [{ block_config: { user_free_attempts: 101 } }, ["body", "block_config", "user_free_attempts"]],
      [{ block_config: { user_block_after: 0 } }, ["body", "block_config", "user_block_after"]],
      [{ block_config: { ip_block_after: 100_001 } }, ["body", "block_config", "ip_block_after"]],
      [{ block_config: { window_seconds: 0 } }, ["body", "block_config", "window_seconds"]],
      [{ block_config: { block_seconds: -1 } }, ["body", "block_config", "block_seconds"]],
      // Consistent members: the free attempts must end before the block.
      [{ block_config: { user_free_attempts: 10, user_block_after: 10 } }, ["body", "block_config", "user_free_attempts"]],
      [{ liveness_config: { provider: "p", threshold: 1.5 } }, ["body", "liveness_config", "threshold"]],
      [{ login_order: ["PIN", "FACE"] }, ["body", "login_order", 1]],
      [{ login_order: ["PIN", "PIN"] }, ["body", "login_order"]],
      [{ pin_size: "six" }, ["body", "pin_size"]],
    ];
    let n = 0;
    for (const [settings, loc] of cases) {
      const id = `bad-setting-${++n}`;
      const res = await create({ tenant_id: id, ...settings });
      assert.equal(res.status, 422, `${JSON.stringify(settings)}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(violationLocs(res), [loc], JSON.stringify(settings));
      assert.equal((await get(id)).status, 404, `${id} must not have been created`);
    }
  });

  it("rejects tenant ids that do not match the pattern", async () => {
    for (const id of ["A-upper", "a", "-leading-dash", "under_score", "dot.ted", "sp ace", `a${"b".repeat(63)}`, "ünicode"]) {
      const res = await create({ tenant_id: id });
      assert.deepEqual(violationLocs(res), [["body", "tenant_id"]], `${id}: ${JSON.stringify(res.body)}`);
    }
    const missing = await create({});
    assert.deepEqual(violationLocs(missing), [["body", "tenant_id"]]);
  });

  it("rejects reserved path segments as tenant ids", async () => {
    for (const id of ["api", "oidc", "scim", "ui", "mfa", "health", "metrics", "docs", "openapi.json", ".well-known", "assets"]) {
      const res = await create({ tenant_id: id });
      assert.equal(res.status, 422, `${id}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(violationLocs(res), [["body", "tenant_id"]], id);
    }
    const listed = (await rest(server, server.adminKey, "GET", "/api/v1/tenants")).body as { tenants: { tenant_id: string }[] };
    assert.ok(!listed.tenants.some((t) => ["api", "oidc", "docs"].includes(t.tenant_id)));
  });

  it("rejects a login order naming a disabled factor, and disabling both factors", async () => {
    const disabledFactor = await create({ tenant_id: "no-pattern", use_pattern: false, login_order: ["PIN", "PATTERN"] });
    assert.deepEqual(violationLocs(disabledFactor), [["body", "login_order"]]);
    const missingFactor = await create({ tenant_id: "missing-factor", login_order: ["PIN"] });
    assert.deepEqual(violationLocs(missingFactor), [["body", "login_order"]]);
    const neither = await create({ tenant_id: "no-factor", use_pin: false, use_pattern: false });
    assert.equal(neither.status, 422);
    assert.ok(
      violationLocs(neither).some((loc) => loc[1] === "use_pin"),
      JSON.stringify(neither.body),
    );
    for (const id of ["no-pattern", "missing-factor", "no-factor"]) assert.equal((await get(id)).status, 404);
  });

  it("refuses is_2fa without a second factor the tenant offers, on create and on update, and changes nothing", async () => {
    const alone = await create({ tenant_id: "two-fa-alone", is_2fa: true });
    assert.deepEqual(violationLocs(alone), [["body", "is_2fa"]]);
    assert.match(JSON.stringify(alone.body), /is_2fa needs a second factor the tenant offers: enable passkey_enabled/);
    assert.equal((await get("two-fa-alone")).status, 404);

    assert.equal((await create({ tenant_id: "two-fa", is_2fa: true, passkey_enabled: true })).status, 201);
    const before = (await get("two-fa")).body;
    assert.deepEqual(violationLocs(await update("two-fa", { passkey_enabled: false })), [["body", "is_2fa"]]);
    assert.deepEqual((await get("two-fa")).body, before);
    // Turning both off together is consistent.
    const off = await update("two-fa", { is_2fa: false, passkey_enabled: false });
    assert.equal(off.status, 200, JSON.stringify(off.body));
  });

  it("answers 409 for an existing id and changes nothing", async () => {
    assert.equal((await create({ tenant_id: "dup", display_name: "First", pin_size: 5 })).status, 201);
    const before = (await get("dup")).body;
    const keysBefore = (await ownedRows("dup")).tenant_key;
    const again = await create({ tenant_id: "dup", display_name: "Second", pin_size: 8, use_pattern: false });
    assert.equal(again.status, 409);
    assert.equal(typeof (again.body as Json).detail, "string");
    assert.deepEqual((await get("dup")).body, before);
    assert.equal((await ownedRows("dup")).tenant_key, keysBefore, "no second key set");
  });

  it("answers the same over gRPC: InvalidArgument with a BadRequest naming the field, AlreadyExists", async () => {
    const client = grpcClient(server, TenantService);
    const badPin = await client.createTenant({ tenantId: "grpc-bad-pin", pinSize: 3 }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(badPin.code, Code.InvalidArgument);
    const [badRequest] = badPin.findDetails(BadRequestSchema);
    assert.deepEqual(
      badRequest?.fieldViolations.map((v) => v.field),
      ["pin_size"],
    );

    const reserved = await client.createTenant({ tenantId: "oidc" }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(reserved.code, Code.InvalidArgument);
    assert.deepEqual(
      reserved.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field),
      ["tenant_id"],
    );

    const created = await client.createTenant({ tenantId: "grpc-made", displayName: "Over gRPC" }, withKey(server.adminKey));
    assert.equal(created.tenant?.pinSize, 6);
    assert.deepEqual(created.tenant?.loginOrder, ["PIN", "PATTERN"]);
    const duplicate = await client.createTenant({ tenantId: "grpc-made" }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(duplicate.code, Code.AlreadyExists);
    const rest200 = await get("grpc-made");
    assert.equal((rest200.body as Json).display_name, "Over gRPC");
  });
});

describe("read and update tenant", () => {
  before(async () => {
    await createTenant(server, "editable", { display_name: "Editable", pin_size: 8, register_enable: true });
  });

  it("GET answers the tenant; an unknown one is 404 with a detail string", async () => {
    const res = await get("editable");
    assert.equal(res.status, 200);
    assert.equal((res.body as Json).tenant_id, "editable");
    assert.equal((res.body as Json).pin_size, 8);
    const missing = await get("no-such-tenant");
    assert.equal(missing.status, 404);
    assert.equal(typeof (missing.body as Json).detail, "string");
  });

  it("PUT changes only the fields it carries", async () => {
    const before = (await get("editable")).body as Json;
    const res = await update("editable", { display_name: "Renamed" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const after = res.body as Json;
    const { display_name, updated_at, ...rest } = after;
    const { display_name: _d, updated_at: previousUpdate, ...restBefore } = before;
    assert.equal(display_name, "Renamed");
    assert.deepEqual(rest, restBefore, "every other field kept");
    assert.ok(Date.parse(updated_at as string) >= Date.parse(previousUpdate as string));
    assert.deepEqual((await get("editable")).body, after, "stored");
  });

  it("PUT merges block_config members and keeps the others", async () => {
    const res = await update("editable", { block_config: { ip_block_after: 7 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body as Json).block_config, { ...DEFAULT_BLOCK_CONFIG, ip_block_after: 7 });
    const next = await update("editable", { pin_size: 10 });
    assert.deepEqual((next.body as Json).block_config, { ...DEFAULT_BLOCK_CONFIG, ip_block_after: 7 });
    assert.equal((next.body as Json).pin_size, 10);
    assert.equal((next.body as Json).display_name, "Renamed");
    assert.equal((next.body as Json).register_enable, true);
  });

  it("PUT keeps a custom login order, and follows the factors when one is switched off and on", async () => {
    const custom = await update("editable", { login_order: ["PATTERN", "PIN"] });
    assert.equal(custom.status, 200, JSON.stringify(custom.body));
    assert.deepEqual((custom.body as Json).login_order, ["PATTERN", "PIN"]);
    assert.deepEqual(((await get("editable")).body as Json).login_order, ["PATTERN", "PIN"]);
    assert.deepEqual(((await update("editable", { display_name: "Still" })).body as Json).login_order, ["PATTERN", "PIN"]);
    const pinOff = (await update("editable", { use_pin: false })).body as Json;
    assert.equal(pinOff.use_pin, false);
    assert.deepEqual(pinOff.login_order, ["PATTERN"]);
    const pinOn = (await update("editable", { use_pin: true })).body as Json;
    assert.deepEqual(pinOn.login_order, ["PIN", "PATTERN"]);
  });

  it("PUT rejects bad settings with 422 (loc in the body) and leaves the tenant unchanged", async () => {
    const before = (await get("editable")).body;
    const cases: [Json, (string | number)[]][] = [
      [{ pin_size: 13 }, ["body", "pin_size"]],
      [{ pin_size: 3 }, ["body", "pin_size"]],
      [{ patter_size: 9 }, ["body", "patter_size"]],
      [{ block_config: { user_free_attempts: 50 } }, ["body", "block_config", "user_free_attempts"]],
      [{ use_pattern: false, login_order: ["PIN", "PATTERN"] }, ["body", "login_order"]],
    ];
    for (const [body, loc] of cases) {
      const res = await update("editable", body);
      assert.deepEqual(violationLocs(res), [loc], JSON.stringify(body));
    }
    const both = await update("editable", { use_pin: false, use_pattern: false });
    assert.ok(
      violationLocs(both).some((loc) => loc[1] === "use_pin"),
      JSON.stringify(both.body),
    );
    assert.deepEqual((await get("editable")).body, before);
  });

  it("over gRPC, every violation of an update names its field under settings", async () => {
    const client = grpcClient(server, TenantService);
    const fieldsOf = (settings: Record<string, unknown>) =>
      client.updateTenant({ tenantId: "editable", settings }, withKey(server.adminKey)).then(
        () => assert.fail("expected an error"),
        (e: unknown) => {
          const error = ConnectError.from(e);
          assert.equal(error.code, Code.InvalidArgument);
          return error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
        },
      );
    assert.deepEqual(await fieldsOf({ pinSize: 13 }), ["settings.pin_size"]);
    assert.deepEqual(await fieldsOf({ blockConfig: { userFreeAttempts: 50 } }), ["settings.block_config.user_free_attempts"]);
    assert.deepEqual(await fieldsOf({ usePattern: false, loginOrder: ["PIN", "PATTERN"] }), ["settings.login_order"]);
  });

  it("PUT on an unknown tenant is 404", async () => {
    const res = await update("no-such-tenant", { display_name: "x" });
    assert.equal(res.status, 404);
    assert.equal(typeof (res.body as Json).detail, "string");
  });
});

describe("delete tenant", () => {
  it("removes the tenant and everything it owns, answers 204, then 404", async () => {
    await createTenant(server, "doomed");
    await createTenant(server, "survivor");
    for (const clientId of ["web", "mobile"]) {
      const res = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
        client_id: clientId,
        tenant_id: "doomed",
        name: clientId,
      });
      assert.equal(res.status, 201);
    }
    const created = await rest(server, server.adminKey, "POST", "/api/v1/api-keys", {
      name: "ops",
      scopes: ["clients:read"],
      tenant_id: "doomed",
    });
    assert.equal(created.status, 201);
    const doomedKey = (created.body as { api_key: string }).api_key;
    const user = await seedUserWithKey(server, "doomed", ["tenant_admin"], ["clients:read"]);
    const em = scopeToTenant(server.running.database.orm.em.fork(), "doomed");
    em.create(BlockedIpEntity, { tenant: "doomed", ip: "10.1.2.3", failures: 50, reason: "test" });
    em.create(BlockedUserEntity, { tenant: "doomed", username: "mallory", failures: 10, reason: "test" });
    await em.flush();
    // The survivor has a client with the same id, which must stay.
    await rest(server, server.adminKey, "POST", "/api/v1/clients", { client_id: "web", tenant_id: "survivor", name: "web" });

    assert.deepEqual(await ownedRows("doomed"), { client: 2, api_key: 2, tenant_key: 3, app_user: 1, blocked_ip: 1, blocked_user: 1 });
    const survivorBefore = await rowsInAnyTable("survivor");
    assert.equal((await rest(server, doomedKey, "GET", "/api/v1/clients?tenant_id=doomed")).status, 200, "the key works before");

    const res = await rest(server, server.adminKey, "DELETE", "/api/v1/tenants/doomed");
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined, "no body");

    assert.deepEqual(await ownedRows("doomed"), { client: 0, api_key: 0, tenant_key: 0, app_user: 0, blocked_ip: 0, blocked_user: 0 });
    const anywhere = await rowsInAnyTable("doomed");
    assert.ok(Object.keys(anywhere).length >= 6, JSON.stringify(anywhere));
    assert.ok(
      Object.values(anywhere).every((n) => n === 0),
      `rows left: ${JSON.stringify(anywhere)}`,
    );
    assert.deepEqual(await rowsInAnyTable("survivor"), survivorBefore, "other tenants untouched");

    assert.equal((await get("doomed")).status, 404);
    const again = await rest(server, server.adminKey, "DELETE", "/api/v1/tenants/doomed");
    assert.equal(again.status, 404);
    assert.equal(typeof (again.body as Json).detail, "string");
    // Credentials that acted in it are gone with it.
    assert.equal((await rest(server, doomedKey, "GET", "/api/v1/api-keys/scopes")).status, 401);
    assert.equal((await rest(server, user.key, "GET", "/api/v1/api-keys/scopes")).status, 401);
    // And its id is free again, with a fresh key set.
    const recreated = await create({ tenant_id: "doomed" });
    assert.equal(recreated.status, 201);
    assert.deepEqual(await ownedRows("doomed"), { client: 0, api_key: 0, tenant_key: 3, app_user: 0, blocked_ip: 0, blocked_user: 0 });
  });

  it("refuses to delete the default tenant with 400 and a detail string", async () => {
    const defaultTenant = server.config.defaultTenant;
    const res = await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/${defaultTenant}`);
    assert.equal(res.status, 400);
    assert.equal(typeof (res.body as Json).detail, "string");
    assert.match((res.body as { detail: string }).detail, /default tenant/i);
    assert.equal((await get(defaultTenant)).status, 200);
    assert.equal((await rest(server, server.adminKey, "GET", "/api/v1/tenants")).status, 200, "the admin key still works");
  });
});

describe("list tenants", () => {
  it("shows a super admin every tenant, ordered by id", async () => {
    for (const id of ["zulu", "alpha", "mike-2", "mike-10"]) await createTenant(server, id);
    const res = await rest(server, server.adminKey, "GET", "/api/v1/tenants");
    assert.equal(res.status, 200);
    const ids = (res.body as { tenants: Json[] }).tenants.map((t) => t.tenant_id as string);
    const em = server.running.database.orm.em.fork();
    const stored = (await em.getConnection().execute("select id from tenant")) as { id: string }[];
    assert.deepEqual([...ids].sort(), stored.map((row) => row.id).sort(), "every stored tenant");
    assert.deepEqual(ids, [...ids].sort(), "ordered by id");
    for (const id of ["zulu", "alpha", "mike-2", "mike-10", server.config.defaultTenant]) assert.ok(ids.includes(id), id);
    // Each entry is a complete tenant.
    const alpha = (res.body as { tenants: Json[] }).tenants.find((t) => t.tenant_id === "alpha");
    assert.equal(alpha?.pin_size, 6);
    assert.deepEqual(alpha?.block_config, DEFAULT_BLOCK_CONFIG);
  });
});
