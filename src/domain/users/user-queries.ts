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

/** Up to this many matches, a filtered list sorted by another column sorts the matches itself. */
const MATERIALIZE_MATCHES = 50_000;

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
  const matching = `from app_user where ${where.join(" and ")}`;
  const select = `select ${USER_COLUMNS} ${matching}`;
  const page = (query: string) =>
    executeSql(em, `${query} order by ${order} limit ? offset ?`, [...params, limit + 1, offset]) as Promise<UserRow[]>;
  const count = async () => Number(((await executeSql(em, `select count(*) as n ${matching}`, params)) as { n: string }[])[0]?.n ?? 0);

  let rows: UserRow[];
  let totalCount: number;
  if (!username && !email) {
    // The tenant's count is kept by the database (tenant_user_count): no scan of its users.
    [rows, totalCount] = await Promise.all([page(select), tenantUserCount(em, tenantId)]);
  } else if ((sortBy === "username" && username) || (sortBy === "email" && email)) {
    // The filter's own index gives the order: a range scan that stops after the page.
    [rows, totalCount] = await Promise.all([page(select), count()]);
  } else {
    // Filtered on one column, sorted by another. For some prefixes the planner expects matches
    // to be dense and walks the sort column's index backwards, filtering as it goes; when they
    // are not (the matches are old), that reads most of the tenant (≈ 260 ms at 1M users, the
    // tail of bench/results/users.md). So count first: a small match set is gathered through the
    // filter's index and sorted (bounded by the count already paid), a large one is left to the
    // planner, for which a backward walk does find a page early.
    totalCount = await count();
    rows = await page(
      totalCount <= MATERIALIZE_MATCHES
        ? // The sort expressions' columns, all of them among the CTE's.
          `with matches as materialized (select ${USER_COLUMNS}, email_normalized ${matching}) select * from matches`
        : select,
    );
  }
  return { data: rows.slice(0, limit).map(recordOf), hasNext: rows.length > limit, totalCount };
}

/** The tenant's number of users, kept by triggers on app_user (migration `tenant_user_count`). */
async function tenantUserCount(em: EntityManager, tenantId: string): Promise<number> {
  const [row] = (await executeSql(em, "select users from tenant_user_count where tenant_id = ?", [tenantId])) as { users: string }[];
  return Number(row?.users ?? 0);
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
