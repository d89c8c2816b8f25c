// Which tenant an auth call is for: the pending authorization request's (`auth_req_id`), else the
// `tenant_id` query parameter, else the configured default tenant.
import type { EntityManager } from "@mikro-orm/postgresql";
import { notFound } from "../../errors/domain-error.js";
import { type AuthRequest, AuthRequestEntity } from "../../persistence/entities/auth-flow.js";
import { type Client, ClientEntity } from "../../persistence/entities/client.js";
import { type Tenant, TenantEntity } from "../../persistence/entities/tenant.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { executeSql } from "../../persistence/execute-sql.js";

export interface AuthTarget {
  readonly tenant: Tenant;
  readonly authRequest: AuthRequest | undefined;
  /** The client of the authorization request, when there is one. */
  readonly client: Client | undefined;
}

export function authRequestNotFound(): Error {
  return notFound("AUTH_REQUEST_NOT_FOUND", "The authorization request is unknown or has expired; start the login again");
}

/**
 * The tenant row, as `getTenant` loads it but through a plain SELECT mapped onto the entity
 * (`em.map`): registration and the hosted pages read it on every call, and MikroORM's query
 * builder (`findOne`) costs several times the round trip itself (see bench/results/auth.md). The
 * login steps do not come here: they read the tenant with their own first statement (login-scope.ts).
 */
async function tenantById(em: EntityManager, tenantId: string): Promise<Tenant> {
  const [row] = (await executeSql(em, 'select * from "tenant" where "id" = ?', [tenantId])) as Record<string, unknown>[];
  if (!row) throw tenantNotFound(tenantId);
  return em.map(TenantEntity, row);
}

export async function resolveAuthTarget(
  em: EntityManager,
  input: { authReqId?: string; tenantId?: string },
  defaultTenant: string,
): Promise<AuthTarget> {
  if (input.authReqId) {
    // The id names its tenant; deliberately looked up across tenants.
    const authRequest = await em.findOne(AuthRequestEntity, { id: input.authReqId }, { filters: { tenant: false } });
    if (!authRequest || authRequest.expiresAt <= new Date()) throw authRequestNotFound();
    const tenant = await tenantById(em, authRequest.tenant);
    const client = await scopeToTenant(em, tenant.id).findOne(ClientEntity, { clientId: authRequest.clientId });
    return { tenant, authRequest, client: client ?? undefined };
  }
  const tenant = await tenantById(em, input.tenantId || defaultTenant);
  scopeToTenant(em, tenant.id);
  return { tenant, authRequest: undefined, client: undefined };
}
