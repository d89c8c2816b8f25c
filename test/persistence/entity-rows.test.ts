// The rows entity-rows.ts writes are the rows MikroORM's flush wrote for the same values (which it
// replaces: the flush runs inside an AsyncLocalStorage). Each entity is written both ways, with
// defaults left to the database, nulls, JSON values (a null one too) and bytes; the rows are
// compared column by column but for the key and the timestamps of the moment of writing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { resolveClientSettings } from "../../src/domain/clients/client-settings.js";
import { resolveTenantSettings } from "../../src/domain/tenants/tenant-settings.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { ClientEntity } from "../../src/persistence/entities/client.js";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { TenantKeyEntity } from "../../src/persistence/entities/tenant-key.js";
import { UserEntity } from "../../src/persistence/entities/user.js";
import { insertEntity, updateEntity } from "../../src/persistence/entity-rows.js";
import { sql } from "../../src/persistence/sql-fragment.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
before(async () => {
  t = await openTestOrm();
});
after(() => t.close());

const uow = () => new UnitOfWork(t.orm.em.fork());

const TABLES = { tenant: sql`tenant`, api_key: sql`api_key`, tenant_key: sql`tenant_key` };

/** The row as JSON, without the columns that must differ between the two writes. */
async function rowOf(table: keyof typeof TABLES, id: string, differing: readonly string[]): Promise<Record<string, unknown>> {
  const row = await uow().first<{ row: Record<string, unknown> }>(sql`select to_jsonb(r) as row from ${TABLES[table]} r where id = ${id}`);
  assert.ok(row, `${table} ${id} stored`);
  for (const column of differing) delete row.row[column];
  return row.row;
}

/** Writes `data` with the ORM's flush (id `viaFlush`) and with insertEntity (id `viaStatement`). */
async function bothWays<T extends object>(
  entity: Parameters<typeof insertEntity<T>>[1],
  data: (id: string) => Record<string, unknown>,
): Promise<{ viaFlush: string; viaStatement: string }> {
  const viaFlush = randomUUID().replaceAll("-", "").slice(0, 30);
  const viaStatement = randomUUID().replaceAll("-", "").slice(0, 30);
  const em = t.orm.em.fork();
  em.create(entity as never, data(viaFlush) as never);
  await em.flush();
  await insertEntity(uow(), entity, data(viaStatement) as never);
  return { viaFlush, viaStatement };
}

describe("entity-rows: the rows the ORM's flush wrote", () => {
  const TENANT = "rows";
  let userId: string;

  before(async () => {
    await insertEntity(uow(), TenantEntity, { id: TENANT, ...resolveTenantSettings({ loginOrder: ["PIN", "PATTERN"] }) });
    userId = randomUUID();
    const em = t.orm.em.fork();
    em.create(UserEntity, {
      id: userId,
      tenant: TENANT,
      username: "u",
      usernameNormalized: "u",
      email: null,
      emailNormalized: null,
      roles: [],
      externalId: null,
    });
    await em.flush();
  });

  it("a tenant: resolved settings, and one with most settings left to the database's defaults", async () => {
    const full = await bothWays(TenantEntity, (id) => ({
      id,
      ...resolveTenantSettings({ displayName: "Full", loginOrder: ["PIN", "PATTERN"] }),
    }));
    assert.deepEqual(
      await rowOf("tenant", full.viaStatement, ["id", "created_at", "updated_at"]),
      await rowOf("tenant", full.viaFlush, ["id", "created_at", "updated_at"]),
    );
    const sparse = await bothWays(TenantEntity, (id) => ({
      id,
      blockConfig: { user_block_after: 3 },
      loginOrder: [],
      livenessConfig: null,
    }));
    const row = await rowOf("tenant", sparse.viaStatement, ["id", "created_at", "updated_at"]);
    assert.deepEqual(row, await rowOf("tenant", sparse.viaFlush, ["id", "created_at", "updated_at"]));
    assert.equal(row.liveness_config, null, "a null JSON value is SQL NULL, not JSON null");
    assert.equal(row.default_locale, "en", "the database's default");
  });

  it("a client (bytes, JSON, nulls), an API key (a to-one key), a tenant key", async () => {
    const settings = resolveClientSettings({
      name: "App",
      redirectUris: ["https://app.example/cb"],
      postLogoutRedirectUri: [],
      allowedScopes: ["openid"],
      registerEnable: false,
      isLock: false,
      requirePushedAuthorizationRequests: false,
      dpopBoundAccessTokens: true,
      clientUri: "https://app.example",
    });
    const client = await bothWays(ClientEntity, (id) => ({
      ...settings,
      id: randomUUID(),
      tenant: TENANT,
      clientId: id,
      secretHash: Buffer.from([1, 2, 3, 255]),
      jwks: null,
    }));
    const clientRow = async (clientId: string) =>
      (
        await uow().first<{ row: Record<string, unknown> }>(
          sql`select to_jsonb(c) - 'id' - 'client_id' - 'created_at' - 'updated_at' as row from client c where tenant_id = ${TENANT} and client_id = ${clientId}`,
        )
      )?.row;
    assert.ok(await clientRow(client.viaFlush));
    assert.deepEqual(await clientRow(client.viaStatement), await clientRow(client.viaFlush));

    const key = await bothWays(ApiKeyEntity, (id) => ({
      id,
      tenant: TENANT,
      user: userId,
      name: "k",
      scopes: ["users:read"],
      secretHash: Buffer.alloc(32, 7),
    }));
    assert.deepEqual(
      await rowOf("api_key", key.viaStatement, ["id", "created_at"]),
      await rowOf("api_key", key.viaFlush, ["id", "created_at"]),
    );

    const at = new Date("2026-01-02T03:04:05.678Z");
    const tenantKey = await bothWays(TenantKeyEntity, (id) => ({
      id,
      tenant: TENANT,
      alg: "EdDSA",
      use: "sig",
      publicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" },
      privateKeySealed: Buffer.alloc(48, 9),
      publishAt: at,
      activateAt: at,
      retireAt: null,
    }));
    const keyRow = await rowOf("tenant_key", tenantKey.viaStatement, ["id", "created_at"]);
    assert.deepEqual(keyRow, await rowOf("tenant_key", tenantKey.viaFlush, ["id", "created_at"]));
    assert.equal(new Date(keyRow.publish_at as string).getTime(), at.getTime(), "milliseconds kept");
  });

  it("an update writes what the flush wrote, and leaves a row that holds the values already alone (updated_at too)", async () => {
    const { viaFlush, viaStatement } = await bothWays(TenantEntity, (id) => ({
      id,
      ...resolveTenantSettings({ loginOrder: ["PIN", "PATTERN"] }),
    }));
    const blockConfig = { user_free_attempts: 1, user_block_after: 9, ip_block_after: 20, window_seconds: 60, block_seconds: 0 };
    const changes = { displayName: "Changed", pinSize: 8, blockConfig, livenessConfig: null };
    const em = t.orm.em.fork();
    const flushed = await em.findOneOrFail(TenantEntity, { id: viaFlush });
    Object.assign(flushed, changes);
    await em.flush();
    const work = uow();
    const target = await work.em.findOneOrFail(TenantEntity, { id: viaStatement });
    assert.equal(await updateEntity(work, TenantEntity, target, { id: viaStatement }, changes), true);
    assert.equal(target.displayName, "Changed", "set on the entity in memory");
    assert.deepEqual(
      await rowOf("tenant", viaStatement, ["id", "created_at", "updated_at"]),
      await rowOf("tenant", viaFlush, ["id", "created_at", "updated_at"]),
    );

    const stamp = async () => (await rowOf("tenant", viaStatement, [])).updated_at;
    const before = await stamp();
    assert.equal(await updateEntity(uow(), TenantEntity, target, { id: viaStatement }, changes), false);
    assert.equal(await stamp(), before, "updated_at unchanged");
  });
});
