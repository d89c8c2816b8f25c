// Reading users: list (filtered, sorted, paginated), by id, by name, and the caller's own user.
// How a list runs on the indexes is the repository's (persistence/repositories/user-list-query.ts);
// the rules of its input are here.
import { invalidArgument } from "../../errors/domain-error.js";
import type { CrossTenantUserLookup } from "../../persistence/repositories/cross-tenant-user-lookup.js";
import type { UserListQuery, UserPage, UserSortField } from "../../persistence/repositories/user-list-query.js";
import type { UserRepository } from "../../persistence/repositories/user-repository.js";
import type { UserRecord } from "../../persistence/repositories/user-rows.js";
import { normalizeEmail, normalizeUsername } from "../../sdk/identity-normalization.js";
import { requireUser, userNotFound } from "./user-record.js";

export interface ListUsersInput {
  readonly username?: string;
  readonly email?: string;
  readonly limit?: number;
  readonly offset?: number;
  readonly sortDirection?: number;
  readonly sortBy?: string;
}

export const DEFAULT_LIMIT = 10;

const SORT_FIELDS: readonly UserSortField[] = ["created_at", "username", "email"];

function isSortField(value: string): value is UserSortField {
  return (SORT_FIELDS as readonly string[]).includes(value);
}

/**
 * The page a List Users request asks for: filters are prefixes of the normalized username and
 * e-mail ("" after normalization: no filter); 10 users from the first, newest first, unless it
 * says otherwise (a limit of 0 is the default; a direction other than 1 is descending).
 */
export function userListQueryOf(input: ListUsersInput): UserListQuery {
  const sortBy = input.sortBy || "created_at";
  // The proto allows only these; a value past it must not become SQL.
  if (!isSortField(sortBy)) {
    throw invalidArgument([
      { path: ["sort_by"], message: `Input should be one of: ${SORT_FIELDS.map((field) => `'${field}'`).join(", ")}`, type: "enum" },
    ]);
  }
  return {
    usernamePrefix: input.username ? normalizeUsername(input.username) : "",
    emailPrefix: input.email ? normalizeEmail(input.email) : "",
    sortBy,
    direction: input.sortDirection === 1 ? "asc" : "desc",
    limit: input.limit || DEFAULT_LIMIT,
    offset: input.offset ?? 0,
  };
}

export function listUsers(users: UserRepository, input: ListUsersInput): Promise<UserPage> {
  return users.list(userListQueryOf(input));
}

export function getUser(users: UserRepository, userId: string): Promise<UserRecord> {
  return requireUser(users, userId);
}

export async function getUserByName(users: UserRepository, username: string): Promise<UserRecord> {
  const user = await users.findByUsername(normalizeUsername(username));
  if (!user) throw userNotFound(username);
  return user;
}

/** The caller's own user, whichever tenant its credential acts in (deliberately by id only). */
export async function getCurrentUser(lookup: CrossTenantUserLookup, userId: string): Promise<UserRecord> {
  const user = await lookup.callerUser(userId);
  if (!user) throw userNotFound(userId);
  return user;
}
