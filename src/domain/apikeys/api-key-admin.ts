// Use cases of API keys, for both surfaces: a tenant's administrators (ApiKeyService, any key of
// a tenant they administer) and every user for their own keys (UserService, `/users/me`). The
// two differ only in which keys a caller may touch, so one set of functions takes that rule.
import { Code, DomainError, notFound, permissionDenied } from "../../errors/domain-error.js";
import type { ApiKey } from "../../persistence/entities/api-key.js";
import { CrossTenantApiKeys } from "../../persistence/repositories/api-key-repository.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { TenantDirectory } from "../../persistence/repositories/tenant-row-repository.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import { issueApiKey } from "../auth/api-key-secret.js";
import { canAccessTenant, hasScope, isScope, type Principal, type Role, roleOf, SCOPES } from "../auth/permissions.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";

/** Which existing keys a caller may see and change. */
export type KeyAccess = "own" | "tenant";

export interface ApiKeyWithSecret {
  readonly key: ApiKey;
  /** The full key, only right after creation or regeneration. */
  readonly secret?: string;
}

/** A credential never reaches keys acting in a tenant it cannot access, even its owner's own. */
function mayTouch(caller: Principal, key: ApiKey, access: KeyAccess): boolean {
  return canAccessTenant(caller, key.tenant) && (access === "tenant" || key.user === caller.userId);
}

function keyNotFound(keyId: string): DomainError {
  return notFound("API_KEY_NOT_FOUND", `API key ${keyId} not found`);
}

export async function createApiKey(
  uow: UnitOfWork,
  caller: Principal,
  tenantId: string,
  name: string,
  scopes: string[],
): Promise<ApiKeyWithSecret> {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) {
    throw new DomainError(Code.InvalidArgument, "UNKNOWN_SCOPE", `Unknown scope: ${unknown.join(", ")}`, {
      violations: [{ path: ["scopes"], message: `Unknown scope: ${unknown.join(", ")}; see GET /api/v1/api-keys/scopes`, type: "enum" }],
    });
  }
  const notHeld = scopes.filter((scope) => !hasScope(caller, scope));
  if (notHeld.length > 0) throw permissionDenied(`A key cannot grant scopes its creator lacks: ${notHeld.join(", ")}`);
  const repos = new TenantRepositories(uow, tenantId);
  if (!(await repos.tenant.find())) throw tenantNotFound(tenantId);

  const issued = issueApiKey();
  const key = await repos.apiKeys.create({ id: issued.id, userId: caller.userId, name, scopes, secretHash: issued.secretHash });
  return { key, secret: issued.key };
}

/** A tenant's keys (access "tenant") or the caller's own keys across tenants (access "own"). */
export async function listApiKeys(uow: UnitOfWork, caller: Principal, access: KeyAccess, tenantId?: string): Promise<ApiKey[]> {
  if (access === "tenant") return new TenantRepositories(uow, tenantId ?? caller.tenantId).apiKeys.list();
  if (!caller.global) return new TenantRepositories(uow, caller.tenantId).apiKeys.listOfUser(caller.userId);
  // A global super admin's own keys may act in several tenants: deliberately across tenants.
  return new CrossTenantApiKeys(uow).listOfUser(caller.userId);
}

/** Finds a key by id across tenants, then applies the access rule: unknown and foreign look alike. */
async function findKey(uow: UnitOfWork, caller: Principal, access: KeyAccess, keyId: string): Promise<ApiKey> {
  const keys = new CrossTenantApiKeys(uow);
  const key = await keys.find(keyId);
  if (!key || !mayTouch(caller, key, access)) throw keyNotFound(keyId);
  if (access === "tenant") await assertNotStronger(keys, caller, key);
  return key;
}

const ROLE_RANK: Record<Role, number> = { user: 0, tenant_admin: 1, super_admin: 2 };

/**
 * An administrator may only manage keys that are not stronger than itself: regenerating a key
 * hands over its secret, so a caller must hold every scope of the key, and the key's owner must
 * not outrank the caller (a tenant admin cannot take over a super admin's key).
 */
async function assertNotStronger(keys: CrossTenantApiKeys, caller: Principal, key: ApiKey): Promise<void> {
  if (caller.global || key.user === caller.userId) return;
  const missing = key.scopes.filter((scope) => !hasScope(caller, scope));
  // The owner may live in another tenant (a super admin's key for this one): read across tenants.
  const ownerRoles = await keys.ownerRoles(key.user);
  if (missing.length > 0 || ROLE_RANK[roleOf(ownerRoles)] > ROLE_RANK[caller.role]) {
    throw permissionDenied("This key is stronger than your credentials: only its owner or a more privileged administrator may manage it");
  }
}

export async function deleteApiKey(uow: UnitOfWork, caller: Principal, access: KeyAccess, keyId: string): Promise<void> {
  const key = await findKey(uow, caller, access, keyId);
  await new TenantRepositories(uow, key.tenant).apiKeys.delete(key.id);
}

export async function regenerateApiKey(uow: UnitOfWork, caller: Principal, access: KeyAccess, keyId: string): Promise<ApiKeyWithSecret> {
  const key = await findKey(uow, caller, access, keyId);
  const issued = issueApiKey(key.id);
  await new TenantRepositories(uow, key.tenant).apiKeys.replaceSecret(key.id, issued.secretHash);
  return { key: { ...key, secretHash: issued.secretHash, lastUseAt: null }, secret: issued.key };
}

/** The scopes the caller can grant, and the tenants it may create keys for. */
export async function grantableScopes(uow: UnitOfWork, caller: Principal): Promise<{ scopes: string[]; tenants: string[] }> {
  const tenants = caller.global ? await new TenantDirectory(uow).ids() : [caller.tenantId];
  return { scopes: SCOPES.filter((scope) => caller.scopes.has(scope)), tenants };
}
