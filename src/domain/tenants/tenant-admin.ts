// Use cases of tenant administration. Tenant rows are not tenant-owned (they are the owners): the
// installation's list is the TenantDirectory, a tenant's own row its repositories' `tenant`.
// Access to a given tenant was checked by the authorization interceptor from the request's tenant_id.
import { Code, DomainError, alreadyExists, invalidArgument, notFound } from "../../errors/domain-error.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { TenantDirectory } from "../../persistence/repositories/tenant-row-repository.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import type { Principal } from "../auth/permissions.js";
import type { TenantKeyStore } from "./tenant-key-store.js";
import { tenantIdViolations } from "./tenant-id.js";
import { resolveTenantSettings, type TenantSettingsInput, type TenantSettingsState } from "./tenant-settings.js";

export function tenantNotFound(tenantId: string): DomainError {
  return notFound("TENANT_NOT_FOUND", `Tenant ${tenantId} not found`);
}

export function listTenants(uow: UnitOfWork, caller: Principal): Promise<Tenant[]> {
  return new TenantDirectory(uow).list(caller.global ? undefined : [caller.tenantId]);
}

/** The tenant the repositories act in; TENANT_NOT_FOUND when there is none. */
export async function requireTenantRow(repos: TenantRepositories): Promise<Tenant> {
  const tenant = await repos.tenant.find();
  if (!tenant) throw tenantNotFound(repos.tenantId);
  return tenant;
}

export const getTenant = requireTenantRow;

/** Creates a tenant and its keys in one transaction. */
export async function createTenant(uow: UnitOfWork, keys: TenantKeyStore, tenantId: string, input: TenantSettingsInput): Promise<Tenant> {
  const violations = tenantIdViolations(tenantId);
  if (violations.length > 0) throw invalidArgument(violations);
  const settings = resolveTenantSettings(input);
  return uow.transactional(async (tx) => {
    const directory = new TenantDirectory(tx);
    if (await directory.exists(tenantId)) throw alreadyExists("TENANT_EXISTS", `Tenant ${tenantId} already exists`);
    const tenant = await directory.create(tenantId, settings);
    await keys.createInitialKeys(new TenantRepositories(tx, tenantId));
    return tenant;
  });
}

export async function updateTenant(repos: TenantRepositories, input: TenantSettingsInput): Promise<Tenant> {
  const tenant = await requireTenantRow(repos);
  const faceBefore = tenant.useFaceRecognition || tenant.useLiveness;
  const settings = resolveTenantSettings(input, settingsOf(tenant));
  // Turning the face factor off deletes the enrolled faces: none is kept for a factor not in use.
  const faceOff = faceBefore && !settings.useFaceRecognition && !settings.useLiveness;
  if (!faceOff) {
    await repos.tenant.update(tenant, settings);
    return tenant;
  }
  return repos.transactional(async (tx) => {
    await tx.face.deleteAllTemplates();
    await tx.tenant.update(tenant, settings);
    return tenant;
  });
}

/** Deletes a tenant; the database cascades to everything it owns, in the same statement. */
export async function deleteTenant(uow: UnitOfWork, tenantId: string, defaultTenant: string): Promise<void> {
  if (tenantId === defaultTenant) {
    throw new DomainError(Code.FailedPrecondition, "DEFAULT_TENANT", "The default tenant cannot be deleted");
  }
  if (!(await new TenantDirectory(uow).delete(tenantId))) throw tenantNotFound(tenantId);
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
    logoUri: tenant.logoUri,
    primaryColor: tenant.primaryColor,
    backgroundColor: tenant.backgroundColor,
    supportUri: tenant.supportUri,
    privacyPolicyUri: tenant.privacyPolicyUri,
    termsOfServiceUri: tenant.termsOfServiceUri,
    defaultLocale: tenant.defaultLocale,
    protoVersion: tenant.protoVersion,
    requirePushedAuthorizationRequests: tenant.requirePushedAuthorizationRequests,
  };
}
