// Which tenant an auth call is for: the pending authorization request's (`auth_req_id`), else the
// `tenant_id` query parameter, else the configured default tenant.
import { notFound } from "../../errors/domain-error.js";
import type { Client } from "../../persistence/entities/client.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { AuthRequestLookup, type PendingAuthRequest } from "../../persistence/repositories/auth-request-lookup.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";

export interface AuthTarget {
  readonly tenant: Tenant;
  readonly authRequest: PendingAuthRequest | undefined;
  /** The client of the authorization request, when there is one. */
  readonly client: Client | undefined;
}

export function authRequestNotFound(): Error {
  return notFound("AUTH_REQUEST_NOT_FOUND", "The authorization request is unknown or has expired; start the login again");
}

/**
 * The tenant row, read with one plain statement (registration and the hosted pages read it on
 * every call; TenantRowRepository.findPlain says why). The login steps do not come here: they read
 * the tenant with their own first statement (persistence/repositories/login-repository.ts).
 */
async function tenantOf(repos: TenantRepositories): Promise<Tenant> {
  const tenant = await repos.tenant.findPlain();
  if (!tenant) throw tenantNotFound(repos.tenantId);
  return tenant;
}

export async function resolveAuthTarget(
  uow: UnitOfWork,
  input: { authReqId?: string; tenantId?: string },
  defaultTenant: string,
): Promise<AuthTarget> {
  if (input.authReqId) {
    // The id names its tenant; deliberately looked up across tenants.
    const authRequest = await new AuthRequestLookup(uow).find(input.authReqId);
    if (!authRequest || authRequest.expiresAt <= new Date()) throw authRequestNotFound();
    const repos = new TenantRepositories(uow, authRequest.tenant);
    const tenant = await tenantOf(repos);
    const client = await repos.clients.find(authRequest.clientId);
    return { tenant, authRequest, client };
  }
  const tenant = await tenantOf(new TenantRepositories(uow, input.tenantId || defaultTenant));
  return { tenant, authRequest: undefined, client: undefined };
}
