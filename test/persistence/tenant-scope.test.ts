// Tenant isolation at the persistence layer: what one tenant's scope can see and change.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ClientEntity } from "../../src/persistence/entities/client.js";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { asDomainError } from "../../src/rpc/interceptors/error-boundary.js";
import { Code } from "../../src/errors/domain-error.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;

const tenantRow = (id: string) => ({
  id,
  blockConfig: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 },
  loginOrder: ["PIN"],
});
const clientRow = (tenant: string, clientId: string) => ({
  id: randomUUID(),
  tenant,
  clientId,
  name: clientId,
  redirectUris: [],
  postLogoutRedirectUri: [],
  allowedScopes: ["openid"],
  tokenEndpointAuthMethod: "client_secret_basic",
  clientType: "confidential",
  singAlg: "EdDSA",
  flow: { grant_types: [], access_token_ttl_seconds: 600, refresh_token_ttl_seconds: 86400, id_token_ttl_seconds: 600 },
});

before(async () => {
  t = await openTestOrm();
  const em = t.orm.em.fork();
  em.create(TenantEntity, tenantRow("alpha"));
  em.create(TenantEntity, tenantRow("beta"));
  await em.flush();
  em.create(ClientEntity, clientRow("alpha", "app-a"));
  em.create(ClientEntity, clientRow("alpha", "shared-name"));
  em.create(ClientEntity, clientRow("beta", "shared-name"));
  await em.flush();
});
after(() => t.close());

describe("tenant scoping", () => {
  it("a scoped EntityManager sees only its tenant's rows", async () => {
    const alpha = scopeToTenant(t.orm.em.fork(), "alpha");
    const ids = (await alpha.find(ClientEntity, {}, { orderBy: { clientId: "asc" } })).map((c) => `${c.tenant}/${c.clientId}`);
    assert.deepEqual(ids, ["alpha/app-a", "alpha/shared-name"]);
    assert.equal(await scopeToTenant(t.orm.em.fork(), "beta").count(ClientEntity, { clientId: "app-a" }), 0);
  });

  it("an unscoped query on a tenant-owned entity fails instead of reading every tenant", async () => {
    await assert.rejects(() => t.orm.em.fork().find(ClientEntity, {}), /tenant/i);
  });

  it("scoped updates and deletes cannot touch another tenant's rows", async () => {
    const beta = scopeToTenant(t.orm.em.fork(), "beta");
    assert.equal(await beta.nativeUpdate(ClientEntity, { clientId: "app-a" }, { name: "hijacked" }), 0);
    assert.equal(await beta.nativeDelete(ClientEntity, { clientId: "app-a" }), 0);
    const alpha = scopeToTenant(t.orm.em.fork(), "alpha");
    assert.equal((await alpha.findOneOrFail(ClientEntity, { clientId: "app-a" })).name, "app-a");
  });

  it("a unique violation is reported as AlreadyExists", async () => {
    const em = t.orm.em.fork();
    em.create(ClientEntity, clientRow("alpha", "app-a"));
    const error = await em.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(asDomainError(error)?.code, Code.AlreadyExists);
  });

  it("deleting a tenant removes everything it owns and nothing else", async () => {
    const em = t.orm.em.fork();
    em.create(TenantEntity, tenantRow("gamma"));
    await em.flush();
    em.create(ClientEntity, clientRow("gamma", "app-g"));
    await em.flush();
    await t.orm.em.fork().nativeDelete(TenantEntity, { id: "gamma" });
    const remaining = await t.orm.em.fork().find(ClientEntity, {}, { filters: { tenant: false } });
    assert.deepEqual(remaining.map((c) => c.tenant).sort(), ["alpha", "alpha", "beta"]);
  });
});
