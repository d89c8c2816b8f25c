// Tenant isolation, enforced low in the stack. Every tenant-owned entity has a `tenant` column
// (tenant_id, a cascading foreign key: deleting a tenant removes what it owns in the same
// statement) and the `tenant` filter, which is on by default and has no default argument: a query
// on such an entity that was not scoped to a tenant fails instead of reading every tenant's rows.
// A request scopes its EntityManager once (`scopeToTenant`); a deliberate cross-tenant query must
// say `filters: { tenant: false }`, which stands out in review.
import type { EntityManager } from "@mikro-orm/postgresql";
import { TenantEntity } from "./entities/tenant.js";
import { defineEntity } from "@mikro-orm/core";

export const TENANT_FILTER = "tenant";

export interface TenantFilterArgs {
  readonly tenantId: string;
}

const p = defineEntity.properties;

/**
 * The `tenant` property of a tenant-owned entity: the owning tenant's id. Not indexed on its own:
 * each entity's unique constraints and indexes lead with it, which serves tenant lookups too.
 */
export function tenantColumn() {
  return p.manyToOne(TenantEntity).mapToPk().deleteRule("cascade");
}

/** The filter every tenant-owned entity declares. */
export const tenantFilters = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    cond: (args: TenantFilterArgs) => ({ tenant: args.tenantId }),
    default: true,
  },
};

/**
 * Scopes `em` (a per-request fork, or a transaction's EntityManager) to `tenantId`: from now on
 * its queries on tenant-owned entities only see that tenant. Returns `em` for chaining. It scopes
 * in place rather than forking so that it stays inside the caller's transaction.
 */
export function scopeToTenant<T extends EntityManager>(em: T, tenantId: string): T {
  em.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterArgs);
  return em;
}
