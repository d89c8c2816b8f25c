// Reading users: list (filtered, sorted, paginated), by id, by name. The list runs on the indexes
// of migration `users_admin`: (tenant_id, created_at, id) and (tenant_id, <normalized column>
// collate "C", id). Prefix filters and username/e-mail ordering use the "C" collation (code-point
// order), so one B-tree serves both `like 'prefix%'` and the ORDER BY, and a page stops early.
// The total of an unfiltered list is the tenant's row in `tenant_user_count`, which the database
// keeps (migration `tenant_user_count`): O(1) at any number of users.
import type { EntityManager } from "@mikro-orm/postgresql";
import { normalizeEmail, normalizeUsername } from "./identity-normalization.js";
import { recordOf, requireUserRow, USER_COLUMNS, type UserRecord, type UserRow, userNotFound } from "./user-record.js";
import { executeSql } from "../../persistence/execute-sql.js";

export type UserSortField = "created_at" | "username" | "email";

export interface ListUsersInput {
  readonly username?: string;
  readonly email?: string;
  readonly limit?: number;
  readonly offset?: number;
  readonly sortDirection?: number;
  readonly sortBy?: string;
}

export interface UserPage {
  readonly data: UserRecord[];
  readonly hasNext: boolean;
  readonly totalCount: number;
}

export const DEFAULT_LIMIT = 10;

const SORT_EXPRESSIONS: Record<UserSortField, string> = {
  created_at: "created_at",
  username: 'username_normalized collate "C"',
  email: 'email_normalized collate "C"',
};

/** `like` pattern for "starts with `prefix`", with the pattern characters escaped. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listUsers(em: EntityManager, tenantId: string, input: ListUsersInput): Promise<UserPage> {
  const limit = input.limit || DEFAULT_LIMIT;
  const offset = input.offset ?? 0;
  const direction = input.sortDirection === 1 ? "asc" : "desc";
  const sortBy = (input.sortBy || "created_at") as UserSortField;
  const where = ["tenant_id = ?"];
  const params: unknown[] = [tenantId];
  const username = input.username ? normalizeUsername(input.username) : "";
  const email = input.email ? normalizeEmail(input.email) : "";
  if (username) {
    where.push(`username_normalized collate "C" like ? escape '\\'`);
    params.push(prefixPattern(username));
  }
  if (email) {
    where.push(`email_normalized collate "C" like ? escape '\\'`);
    params.push(prefixPattern(email));
  }
  const nulls = direction === "asc" ? "nulls last" : "nulls first";
  const order = `${SORT_EXPRESSIONS[sortBy]} ${direction}${sortBy === "email" ? ` ${nulls}` : ""}, id ${direction}`;
  const [rows, counted] = await Promise.all([
    executeSql(em, `select ${USER_COLUMNS} from app_user where ${where.join(" and ")} order by ${order} limit ? offset ?`, [
      ...params,
      limit + 1,
      offset,
    ]) as Promise<UserRow[]>,
    // Without a filter, the tenant's counter (kept by triggers on app_user, migration
    // `tenant_user_count`) instead of counting every row; a filtered count is an index range scan.
    (username || email
      ? executeSql(em, `select count(*) as n from app_user where ${where.join(" and ")}`, params)
      : executeSql(em, "select users as n from tenant_user_count where tenant_id = ?", [tenantId])) as Promise<{ n: string | number }[]>,
  ]);
  return { data: rows.slice(0, limit).map(recordOf), hasNext: rows.length > limit, totalCount: Number(counted[0]?.n ?? 0) };
}

export async function getUser(em: EntityManager, tenantId: string, userId: string): Promise<UserRecord> {
  return recordOf(await requireUserRow(em, tenantId, userId));
}

export async function getUserByName(em: EntityManager, tenantId: string, username: string): Promise<UserRecord> {
  const [row] = (await executeSql(em, `select ${USER_COLUMNS} from app_user where tenant_id = ? and username_normalized = ?`, [
    tenantId,
    normalizeUsername(username),
  ])) as UserRow[];
  if (!row) throw userNotFound(username);
  return recordOf(row);
}

/** The caller's own user, whichever tenant its credential acts in (deliberately by id only). */
export async function getCurrentUser(em: EntityManager, userId: string): Promise<UserRecord> {
  const [row] = (await executeSql(em, `select ${USER_COLUMNS} from app_user where id = ?`, [userId])) as UserRow[];
  if (!row) throw userNotFound(userId);
  return recordOf(row);
}
