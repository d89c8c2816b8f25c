// Batch Create and Batch Delete. Batch Create validates each row on its own (a bad row does not
// fail the batch), drops rows repeating an earlier row's username or e-mail, and inserts the rest
// in ONE statement (`insert … select from jsonb_to_recordset … on conflict do nothing returning`):
// rows the database refuses as duplicates are the ones not returned. Batch Delete is all or
// nothing: every id must be a user of the tenant the caller may delete, or nothing is deleted;
// the clients of the deleted users' sessions get back-channel logout tokens after the commit.
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { notFound, permissionDenied } from "../../errors/domain-error.js";
import type { Principal } from "../auth/permissions.js";
import { normalizeEmail, normalizeUsername } from "./identity-normalization.js";
import { requireTenant, type UserAdminDeps, type UserInput } from "./user-admin.js";
import { deleteUsersIn } from "./user-deletion.js";
import { ADMIN_ROLES, assertMayManage, type UserRow } from "./user-record.js";
import { executeSql } from "../../persistence/execute-sql.js";

export const MAX_BATCH_SIZE = 1000;

export interface BatchCreateResult {
  readonly successCreatedCount: number;
  readonly failCreateUsernames: string[];
  readonly duplicateUsernames: string[];
}

const USERNAME = /^[a-zA-Z0-9_.@-]+$/;
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** The rules of CreateUserRequest, for one row; true when the row may be created by `caller`. */
function rowIsValid(caller: Principal, row: UserInput, emailRequired: boolean): boolean {
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

export async function batchCreateUsers(
  em: EntityManager,
  caller: Principal,
  tenantId: string,
  rows: readonly UserInput[],
): Promise<BatchCreateResult> {
  const tenant = await requireTenant(em, tenantId);
  const failed: string[] = [];
  const duplicates: string[] = [];
  const usernames = new Set<string>();
  const emails = new Set<string>();
  const candidates: Record<string, unknown>[] = [];
  for (const row of rows) {
    if (!rowIsValid(caller, row, tenant.hasUsernameAndEmail)) {
      failed.push(row.username);
      continue;
    }
    const username = normalizeUsername(row.username);
    const email = row.email ? normalizeEmail(row.email) : null;
    if (usernames.has(username) || (email && emails.has(email))) {
      duplicates.push(row.username);
      continue;
    }
    usernames.add(username);
    if (email) emails.add(email);
    candidates.push({
      id: randomUUID(),
      username: row.username,
      username_normalized: username,
      email: row.email || null,
      email_normalized: email,
      is_disabled: row.isDisabled,
      is_verified: row.isVerified,
      locale: row.locale ?? "",
      roles: row.roles,
      external_id: row.externalId ?? null,
    });
  }
  let created = new Set<string>();
  if (candidates.length > 0) {
    const inserted = (await executeSql(
      em,
      `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
         locale, roles, external_id, created_at, updated_at)
       select r.id, ?, r.username, r.username_normalized, r.email, r.email_normalized, r.is_disabled, r.is_verified,
         r.locale, r.roles, r.external_id, now(), now()
       from jsonb_to_recordset(?::jsonb) as r(id uuid, username varchar, username_normalized varchar, email varchar,
         email_normalized varchar, is_disabled boolean, is_verified boolean, locale varchar, roles jsonb, external_id varchar)
       on conflict do nothing
       returning username_normalized`,
      [tenantId, JSON.stringify(candidates)],
    )) as Pick<UserRow, "username_normalized">[];
    created = new Set(inserted.map((r) => r.username_normalized));
  }
  for (const candidate of candidates) {
    if (!created.has(candidate.username_normalized as string)) duplicates.push(candidate.username as string);
  }
  return { successCreatedCount: created.size, failCreateUsernames: failed, duplicateUsernames: duplicates };
}

function mayDelete(caller: Principal, row: UserRow): boolean {
  try {
    assertMayManage(caller, row, undefined);
    return true;
  } catch {
    return false;
  }
}

export async function batchDeleteUsers(
  deps: UserAdminDeps,
  em: EntityManager,
  caller: Principal,
  tenantId: string,
  userIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(userIds)];
  const ended = await em.transactional(async (tx) => {
    const valid = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
    const list = valid.map(() => "?").join(", ");
    const found =
      valid.length === 0
        ? []
        : ((await executeSql(tx, `select id, roles from app_user where tenant_id = ? and id in (${list}) for update`, [
            tenantId,
            ...valid,
          ])) as UserRow[]);
    const foundIds = new Set(found.map((row) => row.id));
    const missing = ids.filter((id) => !foundIds.has(id));
    if (missing.length > 0) throw notFound("USER_NOT_FOUND", `Users not found: ${missing.join(", ")}`);
    const refused = found.filter((row) => !mayDelete(caller, row)).map((row) => row.id);
    if (refused.length > 0) throw permissionDenied(`Only a super admin may delete these users (super admins): ${refused.join(", ")}`);
    return deleteUsersIn(tx, tenantId, ids);
  });
  deps.logout.announce(em, tenantId, ended);
}
