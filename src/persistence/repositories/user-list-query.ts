// List Users as statements: filtered, sorted, paginated. The list runs on the indexes of migration
// `users_admin`: (tenant_id, created_at, id) and (tenant_id, <normalized column> collate "C", id).
// Prefix filters and username/e-mail ordering use the "C" collation (code-point order), so one
// B-tree serves both `like 'prefix%'` and the ORDER BY, and a page stops early. The total of an
// unfiltered list is the tenant's row in `tenant_user_count`, which the database keeps (migration
// `tenant_user_count`): O(1) at any number of users. bench/users-bench.ts measures it at 1M users.
import { type SqlFragment, sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { recordOf, USER_COLUMNS, type UserRecord, type UserRow } from "./user-rows.js";

export type UserSortField = "created_at" | "username" | "email";

/** One page of one tenant's users, its filters already normalized (domain/users/user-queries.ts). */
export interface UserListQuery {
  /** A prefix of the normalized username; "" for no filter. */
  readonly usernamePrefix: string;
  /** A prefix of the normalized e-mail address; "" for no filter. */
  readonly emailPrefix: string;
  readonly sortBy: UserSortField;
  readonly direction: "asc" | "desc";
  readonly limit: number;
  readonly offset: number;
}

export interface UserPage {
  readonly data: UserRecord[];
  readonly hasNext: boolean;
  readonly totalCount: number;
}

/** Up to this many matches, a filtered list sorted by another column sorts the matches itself. */
const MATERIALIZE_MATCHES = 50_000;

const SORT_EXPRESSIONS: Record<UserSortField, SqlFragment> = {
  created_at: sql`created_at`,
  username: sql`username_normalized collate "C"`,
  email: sql`email_normalized collate "C"`,
};

const DIRECTIONS = { asc: sql`asc`, desc: sql`desc` };

/** `like` pattern for "starts with `prefix`", with the pattern characters escaped. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The ORDER BY of a page: the sort column, then the id, so that pages are stable. */
function orderOf(query: UserListQuery): SqlFragment {
  const direction = DIRECTIONS[query.direction];
  // Users without an e-mail come last ascending (and so first descending).
  const nulls = query.sortBy !== "email" ? sql`` : query.direction === "asc" ? sql` nulls last` : sql` nulls first`;
  return sql`${SORT_EXPRESSIONS[query.sortBy]} ${direction}${nulls}, id ${direction}`;
}

export async function listUsers(uow: UnitOfWork, tenantId: string, query: UserListQuery): Promise<UserPage> {
  const { usernamePrefix, emailPrefix, sortBy, limit } = query;
  const username = usernamePrefix ? sql` and username_normalized collate "C" like ${prefixPattern(usernamePrefix)} escape '\\'` : sql``;
  const email = emailPrefix ? sql` and email_normalized collate "C" like ${prefixPattern(emailPrefix)} escape '\\'` : sql``;
  const matching = sql`from app_user where tenant_id = ${tenantId}${username}${email}`;
  const select = sql`select ${USER_COLUMNS} ${matching}`;
  const page = (rows: SqlFragment) => uow.rows<UserRow>(sql`${rows} order by ${orderOf(query)} limit ${limit + 1} offset ${query.offset}`);
  const count = async () => Number((await uow.first<{ n: string }>(sql`select count(*) as n ${matching}`))?.n ?? 0);

  let rows: UserRow[];
  let totalCount: number;
  if (!usernamePrefix && !emailPrefix) {
    // The tenant's count is kept by the database (tenant_user_count): no scan of its users.
    [rows, totalCount] = await Promise.all([page(select), tenantUserCount(uow, tenantId)]);
  } else if ((sortBy === "username" && usernamePrefix) || (sortBy === "email" && emailPrefix)) {
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
          sql`with matches as materialized (select ${USER_COLUMNS}, email_normalized ${matching}) select * from matches`
        : select,
    );
  }
  return { data: rows.slice(0, limit).map(recordOf), hasNext: rows.length > limit, totalCount };
}

/** The tenant's number of users, kept by triggers on app_user (migration `tenant_user_count`). */
async function tenantUserCount(uow: UnitOfWork, tenantId: string): Promise<number> {
  const row = await uow.first<{ users: string }>(sql`select users from tenant_user_count where tenant_id = ${tenantId}`);
  return Number(row?.users ?? 0);
}
