// Users' OPAQUE credentials at rest: the registration record sealed with the KEK, bound by its
// associated data to the tenant and the user, so that a record cannot be moved to another row.
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import { executeSql } from "../../persistence/execute-sql.js";

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

/** Sets (or replaces) a user's credential; the previous one stops working at once. */
export async function storeCredential(
  em: EntityManager,
  keyring: Keyring,
  tenantId: string,
  userId: string,
  credential: NewCredential,
): Promise<void> {
  await executeSql(
    em,
    `insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at)
     values (?, ?, ?, ?, ?, now())
     on conflict (user_id) do update set credential_id = excluded.credential_id, record_sealed = excluded.record_sealed,
       proto_version = excluded.proto_version, updated_at = now()`,
    [userId, tenantId, credential.credentialId, sealRecord(keyring, tenantId, userId, credential.record), credential.protoVersion],
    "run",
  );
}
