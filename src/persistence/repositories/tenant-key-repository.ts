// The signing and encryption keys of one tenant (domain/tenants/tenant-key-store.ts holds the
// schedule's rules and the cache). Read through the ORM: key lists are small and written rarely.
// Every query runs on an EntityManager scoped to this tenant (the `tenant` filter, tenant-scope.ts);
// the statements, the lock that serializes a tenant's rotations and the writes (a new key is
// inserted by entity-rows.ts, not by the ORM's flush), name it too.
import { type TenantKey, TenantKeyEntity } from "../entities/tenant-key.js";
import { insertEntity } from "../entity-rows.js";
import { sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";

/** A key as stored: its private part sealed with the KEK. */
export type StoredTenantKey = TenantKey;

/** A key to add: its `kid`, public JWK, sealed private key and schedule. */
export interface NewTenantKey {
  readonly kid: string;
  readonly alg: string;
  readonly use: string;
  readonly publicJwk: Record<string, unknown>;
  readonly privateKeySealed: Buffer;
  readonly publishAt: Date;
  readonly activateAt: Date;
}

export class TenantKeyRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /**
   * Locks the tenant's row until the transaction ends, so that its rotations run one at a time.
   * False when there is no such tenant.
   */
  async lockTenant(): Promise<boolean> {
    const row = await this.uow.first<{ id: string }>(sql`select id from tenant where id = ${this.tenantId} for update`);
    return row !== undefined;
  }

  /** The tenant's keys (of one algorithm), in the schedule's order: by algorithm, newest activation first. */
  list(alg?: string): Promise<StoredTenantKey[]> {
    return scopeToTenant(this.uow.em, this.tenantId).find(TenantKeyEntity, alg === undefined ? {} : { alg }, {
      orderBy: { alg: "asc", activateAt: "desc", id: "asc" },
    });
  }

  /** Adds a key, written at once. */
  async add(key: NewTenantKey): Promise<void> {
    await insertEntity(this.uow, TenantKeyEntity, {
      id: key.kid,
      tenant: this.tenantId,
      alg: key.alg,
      use: key.use,
      publicJwk: { ...key.publicJwk },
      privateKeySealed: key.privateKeySealed,
      publishAt: key.publishAt,
      activateAt: key.activateAt,
      retireAt: null,
    });
  }

  /** Sets when a key leaves the JWKS (a statement of its own: the ORM would update it by id alone). */
  async retire(kid: string, retireAt: Date): Promise<void> {
    await this.uow.execute(sql`update tenant_key set retire_at = ${retireAt} where tenant_id = ${this.tenantId} and id = ${kid}`);
  }
}
