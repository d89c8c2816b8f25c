// Deleting users with everything that hangs on them. Some tables reference users without a
// foreign key (tokens, sessions, codes, nonces): they are cleared explicitly, in the caller's
// transaction, so that a deletion is all or nothing. The sessions that were still live are
// returned: once the transaction is committed, their clients get back-channel logout tokens.
import type { EntityManager } from "@mikro-orm/postgresql";
import type { EndedSession } from "../oidc/logout.js";
import { executeSql } from "../../persistence/execute-sql.js";

const DEPENDENTS = [
  "refresh_token",
  "authorization_code",
  "token_family",
  "login_nonce",
  "one_time_code",
  "auth_challenge",
  "api_key",
  "user_credential",
] as const;

interface SessionRow {
  id: string;
  user_id: string;
  clients: string[] | string;
  client_issuers: Record<string, string> | string;
  ended_at: Date | string | null;
}

const parsed = <T>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

/**
 * Deletes the users (ids already checked to be users of `tenantId`) and their dependents; answers
 * the sessions that were live until now.
 */
export async function deleteUsersIn(tx: EntityManager, tenantId: string, userIds: readonly string[]): Promise<EndedSession[]> {
  if (userIds.length === 0) return [];
  const list = userIds.map(() => "?").join(", ");
  for (const table of DEPENDENTS) {
    await executeSql(tx, `delete from ${table} where tenant_id = ? and user_id in (${list})`, [tenantId, ...userIds], "run");
  }
  const sessions = (await executeSql(
    tx,
    `delete from user_session where tenant_id = ? and user_id in (${list}) returning id, user_id, clients, client_issuers, ended_at`,
    [tenantId, ...userIds],
  )) as SessionRow[];
  // A super admin's keys may act in other tenants than the owner's: by owner only.
  await executeSql(tx, `delete from api_key where user_id in (${list})`, [...userIds], "run");
  await executeSql(tx, `delete from app_user where tenant_id = ? and id in (${list})`, [tenantId, ...userIds], "run");
  return sessions
    .filter((row) => row.ended_at === null)
    .map((row) => ({ id: row.id, user: row.user_id, clients: parsed(row.clients), clientIssuers: parsed(row.client_issuers) }));
}
