// Deleting users with everything that hangs on them. Some tables reference users without a
// foreign key (tokens, sessions, codes, nonces): they are cleared explicitly, in the caller's
// transaction, so that a deletion is all or nothing.
import type { EntityManager } from "@mikro-orm/postgresql";

const DEPENDENTS = [
  "refresh_token",
  "authorization_code",
  "token_family",
  "user_session",
  "login_nonce",
  "one_time_code",
  "auth_challenge",
  "api_key",
  "user_credential",
] as const;

/** Deletes the users (ids already checked to be users of `tenantId`) and their dependents. */
export async function deleteUsersIn(tx: EntityManager, tenantId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const list = userIds.map(() => "?").join(", ");
  const connection = tx.getConnection();
  for (const table of DEPENDENTS) {
    await connection.execute(`delete from ${table} where tenant_id = ? and user_id in (${list})`, [tenantId, ...userIds], "run");
  }
  // A super admin's keys may act in other tenants than the owner's: by owner only.
  await connection.execute(`delete from api_key where user_id in (${list})`, [...userIds], "run");
  await connection.execute(`delete from app_user where tenant_id = ? and id in (${list})`, [tenantId, ...userIds], "run");
}
