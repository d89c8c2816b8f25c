// Use cases of API keys, for both surfaces: a tenant's administrators (ApiKeyService, any key of
// a tenant they administer) and every user for their own keys (UserService, `/users/me`). The
// two differ only in which keys a caller may touch, so one set of functions takes that rule.
import type { EntityManager } from "@mikro-orm/postgresql";
import { Code, DomainError, notFound, permissionDenied } from "../../errors/domain-error.js";
import { type ApiKey, ApiKeyEntity } from "../../persistence/entities/api-key.js";
import { TenantEntity } from "../../persistence/entities/tenant.js";
import { UserEntity } from "../../persistence/entities/user.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
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
  em: EntityManager,
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
  if (!(await em.count(TenantEntity, { id: tenantId }))) throw tenantNotFound(tenantId);

  const issued = issueApiKey();
  const scoped = scopeToTenant(em, tenantId);
  const key = scoped.create(ApiKeyEntity, {
    id: issued.id,
    tenant: tenantId,
    user: caller.userId,
    name,
    scopes,
    secretHash: issued.secretHash,
  });
  await scoped.flush();
  return { key, secret: issued.key };
}

/** A tenant's keys (access "tenant") or the caller's own keys across tenants (access "own"). */
export async function listApiKeys(em: EntityManager, caller: Principal, access: KeyAccess, tenantId?: string): Promise<ApiKey[]> {
  const orderBy = { createdAt: "desc", id: "asc" } as const;
  // Not `scopeToTenant`: the ORM would apply the tenant filter to the owner too (auto-joined), hiding
  // keys that act in the tenant but belong to a user of another one (a super admin's). The tenant
  // is therefore a plain condition on the key itself.
  const unscoped = { orderBy, filters: { tenant: false } } as const;
  if (access === "tenant") return em.find(ApiKeyEntity, { tenant: tenantId ?? caller.tenantId }, unscoped);
  if (!caller.global) return em.find(ApiKeyEntity, { tenant: caller.tenantId, user: caller.userId }, unscoped);
  // A global super admin's own keys may act in several tenants: deliberately unscoped.
  return em.find(ApiKeyEntity, { user: caller.userId }, { orderBy, filters: { tenant: false } });
}

/** Finds a key by id across tenants, then applies the access rule: unknown and foreign look alike. */
async function findKey(em: EntityManager, caller: Principal, access: KeyAccess, keyId: string): Promise<ApiKey> {
  const key = await em.findOne(ApiKeyEntity, { id: keyId }, { filters: { tenant: false } });
  if (!key || !mayTouch(caller, key, access)) throw keyNotFound(keyId);
  if (access === "tenant") await assertNotStronger(em, caller, key);
  return key;
}

const ROLE_RANK: Record<Role, number> = { user: 0, tenant_admin: 1, super_admin: 2 };

/**
 * An administrator may only manage keys that are not stronger than itself: regenerating a key
 * hands over its secret, so a caller must hold every scope of the key, and the key's owner must
 * not outrank the caller (a tenant admin cannot take over a super admin's key).
 */
async function assertNotStronger(em: EntityManager, caller: Principal, key: ApiKey): Promise<void> {
  if (caller.global || key.user === caller.userId) return;
  const missing = key.scopes.filter((scope) => !hasScope(caller, scope));
  // The owner may live in another tenant (a super admin's key for this one): read across tenants.
  const owner = await em.findOne(UserEntity, { id: key.user }, { filters: { tenant: false }, fields: ["roles"] });
  if (missing.length > 0 || ROLE_RANK[roleOf(owner?.roles ?? [])] > ROLE_RANK[caller.role]) {
    throw permissionDenied("This key is stronger than your credentials: only its owner or a more privileged administrator may manage it");
  }
}

export async function deleteApiKey(em: EntityManager, caller: Principal, access: KeyAccess, keyId: string): Promise<void> {
  const key = await findKey(em, caller, access, keyId);
  await em.remove(key).flush();
}

export async function regenerateApiKey(em: EntityManager, caller: Principal, access: KeyAccess, keyId: string): Promise<ApiKeyWithSecret> {
  const key = await findKey(em, caller, access, keyId);
  const issued = issueApiKey(key.id);
  key.secretHash = issued.secretHash;
  key.lastUseAt = null;
  await em.flush();
  return { key, secret: issued.key };
}

/** The scopes the caller can grant, and the tenants it may create keys for. */
export async function grantableScopes(em: EntityManager, caller: Principal): Promise<{ scopes: string[]; tenants: string[] }> {
  const tenants = caller.global
    ? (await em.find(TenantEntity, {}, { orderBy: { id: "asc" }, fields: ["id"] })).map((t) => t.id)
    : [caller.tenantId];
  return { scopes: SCOPES.filter((scope) => caller.scopes.has(scope)), tenants };
}
