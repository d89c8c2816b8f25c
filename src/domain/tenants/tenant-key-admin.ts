// Use cases of tenant key administration (TenantKeyService): the keys' schedule, and rotation.
// A rotation is an audit event: it is logged with the tenant, the kids and the caller, never with
// key material.
import type { TenantKeyAlg } from "../../crypto/tenant-keys.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Logger } from "../../logging/logger.js";
import type { Principal } from "../auth/permissions.js";
import { tenantNotFound } from "./tenant-admin.js";
import type { ScheduledKey, TenantKeyStore } from "./tenant-key-store.js";

export async function listTenantKeys(repos: TenantRepositories, keys: TenantKeyStore): Promise<ScheduledKey[]> {
  const schedule = await keys.schedule(repos);
  // Every tenant has keys from its creation on: none means no such tenant.
  if (schedule.length === 0) throw tenantNotFound(repos.tenantId);
  return schedule;
}

export interface RotatedKeys {
  readonly key: ScheduledKey;
  readonly replaced: readonly ScheduledKey[];
}

export async function rotateTenantKey(
  repos: TenantRepositories,
  keys: TenantKeyStore,
  logger: Logger,
  caller: Principal,
  alg: TenantKeyAlg,
): Promise<RotatedKeys> {
  const { tenantId } = repos;
  const rotation = await keys.rotate(repos, alg);
  const schedule = await keys.schedule(repos);
  const byKid = (kid: string): ScheduledKey => {
    const found = schedule.find((key) => key.kid === kid);
    if (!found) throw new Error(`the rotation's key ${kid} is not in the schedule it committed`);
    return found;
  };
  const key = byKid(rotation.kid);
  const replaced = rotation.replaced.map(byKid);
  logger.info(
    {
      tenantId,
      alg,
      kid: key.kid,
      publishAt: key.publishAt,
      activateAt: key.activateAt,
      replaced: replaced.map((old) => ({ kid: old.kid, retireAt: old.retireAt })),
      by: { userId: caller.userId, ...(caller.apiKeyId ? { apiKeyId: caller.apiKeyId } : {}) },
    },
    "tenant key rotated",
  );
  return { key, replaced };
}
