// The API keys that act in one tenant (domain/apikeys/ holds who may touch which). A key acts in
// its `tenant_id`; its user may live in another tenant (a super admin's key made for this one),
// so these queries condition on the key's tenant column rather than scoping the EntityManager,
// whose filter would also apply to the auto-joined owner and hide such keys. Every statement
// names the tenant.
import { type ApiKey, ApiKeyEntity } from "../entities/api-key.js";
import { insertEntity } from "../entity-rows.js";
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { jsonColumn } from "./user-rows.js";

/** A key to store: its public id, owner, name, scopes and the hash of its secret. */
export interface NewApiKey {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly scopes: string[];
  readonly secretHash: Buffer;
}

const NEWEST_FIRST = { createdAt: "desc", id: "asc" } as const;
/** The key's own tenant column is the condition (see above). */
const UNFILTERED = { filters: { tenant: false } } as const;

export class ApiKeyRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** Stores a key, written at once. */
  create(key: NewApiKey): Promise<ApiKey> {
    return insertEntity(this.uow, ApiKeyEntity, {
      id: key.id,
      tenant: this.tenantId,
      user: key.userId,
      name: key.name,
      scopes: key.scopes,
      secretHash: key.secretHash,
    });
  }

  /** Every key acting in the tenant, newest first. */
  list(): Promise<ApiKey[]> {
    return this.uow.em.find(ApiKeyEntity, { tenant: this.tenantId }, { orderBy: NEWEST_FIRST, ...UNFILTERED });
  }

  /** A user's keys acting in the tenant, newest first. */
  listOfUser(userId: string): Promise<ApiKey[]> {
    return this.uow.em.find(ApiKeyEntity, { tenant: this.tenantId, user: userId }, { orderBy: NEWEST_FIRST, ...UNFILTERED });
  }

  /** Deletes a key of the tenant; false when there was none. */
  async delete(keyId: string): Promise<boolean> {
    return (await this.uow.em.nativeDelete(ApiKeyEntity, { tenant: this.tenantId, id: keyId }, UNFILTERED)) > 0;
  }

  /** Replaces a key's secret (a regenerated key has not been used yet). */
  async replaceSecret(keyId: string, secretHash: Buffer): Promise<void> {
    await this.uow.em.nativeUpdate(ApiKeyEntity, { tenant: this.tenantId, id: keyId }, { secretHash, lastUseAt: null }, UNFILTERED);
  }
}

/**
 * The reads of API keys across tenants that administration needs, each by design: a key by its id
 * (unknown and foreign must look alike, so the access rule is applied after the read), a global
 * super admin's own keys in every tenant, and the roles of a key's owner in their home tenant.
 * Their statements say so in a `cross-tenant` comment of their text.
 */
export class CrossTenantApiKeys {
  constructor(private readonly uow: UnitOfWork) {}

  async find(keyId: string): Promise<ApiKey | undefined> {
    return (
      (await this.uow.em.findOne(ApiKeyEntity, { id: keyId }, { ...UNFILTERED, comments: "cross-tenant: an API key by id" })) ?? undefined
    );
  }

  listOfUser(userId: string): Promise<ApiKey[]> {
    return this.uow.em.find(
      ApiKeyEntity,
      { user: userId },
      { orderBy: NEWEST_FIRST, ...UNFILTERED, comments: "cross-tenant: a super admin's own keys" },
    );
  }

  /** The roles of a key's owner, in the owner's home tenant; empty when there is no such user. */
  async ownerRoles(userId: string): Promise<string[]> {
    const row = await this.uow.first<{ roles: string[] | string }>(
      sql`select roles from app_user /* cross-tenant: an API key's owner, who may live in another tenant */ where id = ${userId}`,
    );
    return row ? jsonColumn<string[]>(row.roles) : [];
  }
}
