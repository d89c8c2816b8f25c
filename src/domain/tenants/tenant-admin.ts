// Use cases of tenant administration. Tenant rows are not tenant-owned (they are the owners), so
// these queries need no scope; access to a given tenant was checked by the authorization
// interceptor from the request's tenant_id.
import type { EntityManager } from "@mikro-orm/postgresql";
import { Code, DomainError, alreadyExists, invalidArgument, notFound } from "../../errors/domain-error.js";
import { type Tenant, TenantEntity } from "../../persistence/entities/tenant.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import type { Principal } from "../auth/permissions.js";
import type { TenantKeyStore } from "./tenant-key-store.js";
import { tenantIdViolations } from "./tenant-id.js";
import { resolveTenantSettings, type TenantSettingsInput, type TenantSettingsState } from "./tenant-settings.js";

export function tenantNotFound(tenantId: string): DomainError {
  return notFound("TENANT_NOT_FOUND", `Tenant ${tenantId} not found`);
}

export async function listTenants(em: EntityManager, caller: Principal): Promise<Tenant[]> {
  return em.find(TenantEntity, caller.global ? {} : { id: caller.tenantId }, { orderBy: { id: "asc" } });
}

export async function getTenant(em: EntityManager, tenantId: string): Promise<Tenant> {
  const tenant = await em.findOne(TenantEntity, { id: tenantId });
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}

/** Creates a tenant and its keys in one transaction. */
export async function createTenant(em: EntityManager, keys: TenantKeyStore, tenantId: string, input: TenantSettingsInput): Promise<Tenant> {
  const violations = tenantIdViolations(tenantId);
  if (violations.length > 0) throw invalidArgument(violations);
  const settings = resolveTenantSettings(input);
  return em.transactional(async (tx) => {
    if (await tx.count(TenantEntity, { id: tenantId })) throw alreadyExists("TENANT_EXISTS", `Tenant ${tenantId} already exists`);
    const tenant = tx.create(TenantEntity, { id: tenantId, ...settings });
    await tx.flush();
    const scoped = scopeToTenant(tx, tenantId);
    await keys.createInitialKeys(scoped, tenantId);
    await scoped.flush();
    return tenant;
  });
}

export async function updateTenant(em: EntityManager, tenantId: string, input: TenantSettingsInput): Promise<Tenant> {
  const tenant = await getTenant(em, tenantId);
  Object.assign(tenant, resolveTenantSettings(input, settingsOf(tenant)));
  await em.flush();
  return tenant;
}

/** Deletes a tenant; the database cascades to everything it owns, in the same statement. */
export async function deleteTenant(em: EntityManager, tenantId: string, defaultTenant: string): Promise<void> {
  if (tenantId === defaultTenant) {
    throw new DomainError(Code.FailedPrecondition, "DEFAULT_TENANT", "The default tenant cannot be deleted");
  }
  const deleted = await em.nativeDelete(TenantEntity, { id: tenantId });
  if (deleted === 0) throw tenantNotFound(tenantId);
}

export function settingsOf(tenant: Tenant): TenantSettingsState {
  return {
    registerEnable: tenant.registerEnable,
    is2fa: tenant.is2fa,
    usePin: tenant.usePin,
    pinSize: tenant.pinSize,
    usePattern: tenant.usePattern,
    patterSize: tenant.patterSize,
    useFaceRecognition: tenant.useFaceRecognition,
    useLiveness: tenant.useLiveness,
    displayName: tenant.displayName,
    showPinWhenTyping: tenant.showPinWhenTyping,
    blockConfig: tenant.blockConfig,
    loginOrder: tenant.loginOrder,
    passkeyEnabled: tenant.passkeyEnabled,
    hasUsernameAndEmail: tenant.hasUsernameAndEmail,
    livenessConfig: tenant.livenessConfig ?? null,
  };
}
