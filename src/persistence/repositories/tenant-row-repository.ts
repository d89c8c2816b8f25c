// The tenant's own row (its settings), for the use cases that act in the tenant: the tenant rows
// are the owners rather than tenant-owned, so this repository reads its one row by primary key.
// Listing, creating and deleting tenants are the super administrator's (domain/tenants/tenant-admin.ts).
import type { RequiredEntityData } from "@mikro-orm/core";
import { type Tenant, TenantEntity } from "../entities/tenant.js";
import { insertEntity, updateEntity } from "../entity-rows.js";
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

export class TenantRowRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** The tenant's row, undefined when there is no such tenant. */
  async find(): Promise<Tenant | undefined> {
    return (await this.uow.em.findOne(TenantEntity, { id: this.tenantId })) ?? undefined;
  }

  /**
   * The tenant's row as `find` reads it, but through one plain select mapped onto the entity
   * (`em.map`): registration and the hosted pages read it on every call, and MikroORM's query
   * builder (`findOne`) costs several times the round trip itself (bench/results/auth.md).
   */
  async findPlain(): Promise<Tenant | undefined> {
    const row = await this.uow.first<Record<string, unknown>>(sql`select * from tenant where id = ${this.tenantId}`);
    return row && this.uow.em.map(TenantEntity, row);
  }

  /** Writes `changes` to the tenant's row (`tenant`, read from this repository), and sets them on it. */
  async update(tenant: Tenant, changes: Partial<Tenant>): Promise<void> {
    await updateEntity(this.uow, TenantEntity, tenant, { id: this.tenantId }, changes);
    this.uow.announce("tenant", this.tenantId);
  }

  /**
   * The tenant's default locale and the locale of its user with this (normalized) e-mail address,
   * if any, in one statement (the tenant's primary key, app_user's unique (tenant_id, email_normalized)).
   */
  async locales(emailNormalized: string): Promise<{ readonly tenantDefault: string; readonly userLocale: string }> {
    const row = await this.uow.first<{ default_locale: string; locale: string | null }>(sql`select t.default_locale, u.locale
      from tenant t left join app_user u on u.tenant_id = t.id and u.email_normalized = ${emailNormalized}
      where t.id = ${this.tenantId}`);
    return { tenantDefault: row?.default_locale ?? "", userLocale: row?.locale ?? "" };
  }
}

/** Every tenant of the installation: the super administrator's view (tenants are not tenant-owned). */
export class TenantDirectory {
  constructor(private readonly uow: UnitOfWork) {}

  /** Every tenant, or only those among `ids`, ordered by id. */
  list(ids?: readonly string[]): Promise<Tenant[]> {
    return this.uow.em.find(TenantEntity, ids === undefined ? {} : { id: { $in: [...ids] } }, { orderBy: { id: "asc" } });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.uow.em.count(TenantEntity, { id })) > 0;
  }

  /** Whether the installation has no tenant yet (a first start). */
  async isEmpty(): Promise<boolean> {
    return (await this.uow.em.count(TenantEntity, {})) === 0;
  }

  /** Adds a tenant, written at once; a taken id fails with the unique violation. */
  async create(id: string, settings: Omit<RequiredEntityData<Tenant>, "id">): Promise<Tenant> {
    const tenant = await insertEntity(this.uow, TenantEntity, { ...settings, id });
    this.uow.announce("tenant", id);
    return tenant;
  }

  /** Deletes a tenant; the database cascades to everything it owns, in the same statement. False when there was none. */
  async delete(id: string): Promise<boolean> {
    const deleted = (await this.uow.em.nativeDelete(TenantEntity, { id })) > 0;
    this.uow.announce("tenant", id);
    return deleted;
  }

  async ids(): Promise<string[]> {
    return (await this.uow.em.find(TenantEntity, {}, { orderBy: { id: "asc" }, fields: ["id"] })).map((tenant) => tenant.id);
  }
}
