// Each tenant's OPAQUE server setup: created on first use, stored sealed with the KEK, and kept
// decrypted in memory afterwards (a setup never changes). Losing it invalidates every credential
// of the tenant, exactly like losing the KEK.
import * as opaque from "@serenity-kit/opaque";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import { OpaqueSetupEntity } from "../../persistence/entities/credential.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { executeSql } from "../../persistence/execute-sql.js";

const aad = (tenantId: string) => `opaque-setup:${tenantId}`;

export class OpaqueSetups {
  private readonly setups = new Map<string, string>();

  constructor(private readonly keyring: Keyring) {}

  async forTenant(em: EntityManager, tenantId: string): Promise<string> {
    const cached = this.setups.get(tenantId);
    if (cached) return cached;
    await opaque.ready;
    const scoped = scopeToTenant(em.fork(), tenantId);
    let row = await scoped.findOne(OpaqueSetupEntity, { tenant: tenantId });
    if (!row) {
      // Two instances may race to create it: the primary key keeps the first, both read it back.
      const sealed = seal(this.keyring, Buffer.from(opaque.server.createSetup(), "utf8"), aad(tenantId));
      await executeSql(
        scoped,
        "insert into opaque_setup (tenant_id, setup_sealed, created_at) values (?, ?, now()) on conflict (tenant_id) do nothing",
        [tenantId, sealed],
        "run",
      );
      row = await scoped.findOneOrFail(OpaqueSetupEntity, { tenant: tenantId }, { refresh: true });
    }
    const setup = open(this.keyring, row.setupSealed, aad(tenantId)).toString("utf8");
    this.setups.set(tenantId, setup);
    return setup;
  }
}
