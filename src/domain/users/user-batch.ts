// Batch Create and Batch Delete. Batch Create validates each row on its own (a bad row does not
// fail the batch), drops rows repeating an earlier row's username, e-mail or id, and inserts the
// rest in one statement (UserRepository.insertMany): rows the database refuses as duplicates are
// the ones it does not create. Batch Delete is all or nothing: every id must be a user of the
// tenant the caller may delete, or nothing is deleted; the clients of the deleted users' sessions
// get back-channel logout tokens after the commit.
import { randomUUID } from "node:crypto";
import { notFound, permissionDenied } from "../../errors/domain-error.js";
import type { NewStoredUser, UserRoles } from "../../persistence/repositories/user-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Principal } from "../auth/permissions.js";
import { type NewUserInput, requireTenant, storedFieldsOf, type UserAdminDeps } from "./user-admin.js";
import { ADMIN_ROLES, assertMayManage } from "./user-record.js";

/** One row of Batch Create: a new user, and the tenant it names (which must be the batch's). */
export interface BatchUserRow extends NewUserInput {
  readonly tenantId?: string;
}

export interface BatchCreateResult {
  readonly successCreatedCount: number;
  readonly failCreateUsernames: string[];
  readonly duplicateUsernames: string[];
}

/** How the rows of a batch were judged before any of them reaches the database. */
export interface JudgedBatch {
  /** Usernames of the rows that break a rule (or that the caller may not create). */
  readonly failed: string[];
  /** Usernames of the rows repeating an earlier row's username, e-mail or id. */
  readonly duplicates: string[];
  /** The rows to insert. */
  readonly candidates: NewStoredUser[];
}

const USERNAME = /^[a-zA-Z0-9_.@-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** The rules of CreateUserRequest, for one row of `tenantId`; true when the row may be created by `caller`. */
function rowIsValid(caller: Principal, tenantId: string, row: BatchUserRow, emailRequired: boolean): boolean {
  if ((row.tenantId !== undefined && row.tenantId !== tenantId) || (row.userId !== undefined && !UUID.test(row.userId))) return false;
  if (!row.username || [...row.username].length > 128 || !USERNAME.test(row.username)) return false;
  if (row.email ? row.email.length > 254 || !EMAIL.test(row.email) : emailRequired) return false;
  if ((row.locale?.length ?? 0) > 35 || (row.externalId?.length ?? 0) > 256) return false;
  if (row.roles.some((role) => !(ADMIN_ROLES as readonly string[]).includes(role))) return false;
  if (new Set(row.roles).size !== row.roles.length) return false;
  try {
    assertMayManage(caller, undefined, row.roles);
  } catch {
    return false;
  }
  return true;
}

/**
 * Judges the rows of a batch for `tenantId` in order: invalid rows fail, rows repeating an
 * earlier valid row's normalized username or e-mail, or its id, are duplicates, the others are
 * candidates (`newId` gives an id to those that bring none).
 */
export function judgeBatch(
  caller: Principal,
  tenantId: string,
  rows: readonly BatchUserRow[],
  emailRequired: boolean,
  newId: () => string = randomUUID,
): JudgedBatch {
  const failed: string[] = [];
  const duplicates: string[] = [];
  const usernames = new Set<string>();
  const emails = new Set<string>();
  const ids = new Set<string>();
  const candidates: NewStoredUser[] = [];
  for (const row of rows) {
    if (!rowIsValid(caller, tenantId, row, emailRequired)) {
      failed.push(row.username);
      continue;
    }
    const fields = storedFieldsOf(row);
    // Postgres writes a uuid in lower case: compare ids as it will.
    const id = row.userId?.toLowerCase() ?? newId();
    if (usernames.has(fields.usernameNormalized) || (fields.emailNormalized && emails.has(fields.emailNormalized)) || ids.has(id)) {
      duplicates.push(row.username);
      continue;
    }
    usernames.add(fields.usernameNormalized);
    if (fields.emailNormalized) emails.add(fields.emailNormalized);
    ids.add(id);
    candidates.push({ id, ...fields });
  }
  return { failed, duplicates, candidates };
}

export async function batchCreateUsers(
  repos: TenantRepositories,
  caller: Principal,
  rows: readonly BatchUserRow[],
): Promise<BatchCreateResult> {
  const tenant = await requireTenant(repos);
  const { failed, duplicates, candidates } = judgeBatch(caller, repos.tenantId, rows, tenant.hasUsernameAndEmail);
  const created = await repos.users.insertMany(candidates);
  const refused = candidates.filter((candidate) => !created.has(candidate.usernameNormalized)).map((candidate) => candidate.username);
  return { successCreatedCount: created.size, failCreateUsernames: failed, duplicateUsernames: [...duplicates, ...refused] };
}

function mayDelete(caller: Principal, user: UserRoles): boolean {
  try {
    assertMayManage(caller, user, undefined);
    return true;
  } catch {
    return false;
  }
}

export async function batchDeleteUsers(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  userIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(userIds)];
  const ended = await repos.transactional(async (tx) => {
    const found = await tx.users.lockRoles(ids);
    const foundIds = new Set(found.map((user) => user.id));
    const missing = ids.filter((id) => !foundIds.has(id));
    if (missing.length > 0) throw notFound("USER_NOT_FOUND", `Users not found: ${missing.join(", ")}`);
    const refused = found.filter((user) => !mayDelete(caller, user)).map((user) => user.id);
    if (refused.length > 0) throw permissionDenied(`Only a super admin may delete these users (super admins): ${refused.join(", ")}`);
    return tx.users.deleteWithDependents(ids);
  });
  deps.logout.announce(repos.tenantId, ended);
}
