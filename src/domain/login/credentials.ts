// Users' OPAQUE credentials at rest: the registration record sealed with the KEK, bound by its
// associated data to the tenant and the user, so that a record cannot be moved to another row.
// (persistence/repositories/credential-repository.ts stores them.)
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";

const aad = (tenantId: string, userId: string) => `opaque-record:${tenantId}:${userId}`;

export interface NewCredential {
  readonly credentialId: string;
  readonly record: string;
  readonly protoVersion: string;
}

export function sealRecord(keyring: Keyring, tenantId: string, userId: string, record: string): Buffer {
  return seal(keyring, Buffer.from(record, "utf8"), aad(tenantId, userId));
}

export function openRecord(keyring: Keyring, tenantId: string, userId: string, sealed: Uint8Array): string {
  return open(keyring, sealed, aad(tenantId, userId)).toString("utf8");
}

/** Sets (or replaces) a user's credential in the repositories' tenant; the previous one stops working at once. */
export async function storeCredential(
  repos: TenantRepositories,
  keyring: Keyring,
  userId: string,
  credential: NewCredential,
): Promise<void> {
  await repos.credentials.store(userId, {
    credentialId: credential.credentialId,
    recordSealed: sealRecord(keyring, repos.tenantId, userId, credential.record),
    protoVersion: credential.protoVersion,
  });
}
