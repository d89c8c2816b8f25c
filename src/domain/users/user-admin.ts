// Creating, changing and deleting users (UserService, `users:write`). An admin-created user has no
// credential: they get one through the reset-code flow (an invitation is Request Reset Password).
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { alreadyExists, type DomainError } from "../../errors/domain-error.js";
import { isUniqueViolation, violatedConstraint } from "../../persistence/db-errors.js";
import { type Tenant, TenantEntity } from "../../persistence/entities/tenant.js";
import type { Principal } from "../auth/permissions.js";
import type { Logout } from "../oidc/logout.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { normalizeEmail, normalizeUsername } from "./identity-normalization.js";
import { deleteUsersIn } from "./user-deletion.js";
import { assertMayManage, emailRequired, recordOf, requireUserRow, USER_COLUMNS, type UserRecord, type UserRow } from "./user-record.js";
import { executeSql } from "../../persistence/execute-sql.js";

export interface UserInput {
  readonly username: string;
  readonly email: string;
  readonly isDisabled: boolean;
  readonly isVerified: boolean;
  readonly locale?: string;
  readonly roles: readonly string[];
  readonly externalId?: string;
}

export async function requireTenant(em: EntityManager, tenantId: string): Promise<Tenant> {
  const tenant = await em.findOne(TenantEntity, { id: tenantId });
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}

export function duplicateError(error: unknown): DomainError | undefined {
  if (!isUniqueViolation(error)) return undefined;
  return violatedConstraint(error).includes("email")
    ? alreadyExists("EMAIL_TAKEN", "This e-mail address is already used by another user of the tenant")
    : alreadyExists("USERNAME_TAKEN", "This username is already taken in the tenant");
}

/** The values of username … external_id, in that column order, for the insert and the update. */
function userColumnValues(input: UserInput): unknown[] {
  return [
    input.username,
    normalizeUsername(input.username),
    input.email || null,
    input.email ? normalizeEmail(input.email) : null,
    input.isDisabled,
    input.isVerified,
    input.locale ?? "",
    JSON.stringify(input.roles),
    input.externalId ?? null,
  ];
}

export async function createUser(em: EntityManager, caller: Principal, tenantId: string, input: UserInput): Promise<UserRecord> {
  const tenant = await requireTenant(em, tenantId);
  if (tenant.hasUsernameAndEmail && !input.email) throw emailRequired();
  assertMayManage(caller, undefined, input.roles);
  try {
    const [row] = (await executeSql(
      em,
      `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
         locale, roles, external_id, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, now(), now()) returning ${USER_COLUMNS}`,
      [randomUUID(), tenantId, ...userColumnValues(input)],
    )) as UserRow[];
    return recordOf(row as UserRow);
  } catch (error) {
    throw duplicateError(error) ?? error;
  }
}

export interface UserAdminDeps {
  readonly logout: Logout;
}

/** Ends every session of the user and revokes every token family (with or without a session). */
export async function cutOffUser(deps: UserAdminDeps, em: EntityManager, tenantId: string, userId: string): Promise<void> {
  await deps.logout.end(em, tenantId, { userId });
  await executeSql(
    em,
    "update token_family set revoked_at = now() where tenant_id = ? and user_id = ? and revoked_at is null",
    [tenantId, userId],
    "run",
  );
}

export async function updateUser(
  deps: UserAdminDeps,
  em: EntityManager,
  caller: Principal,
  tenantId: string,
  userId: string,
  input: UserInput,
): Promise<UserRecord> {
  const tenant = await requireTenant(em, tenantId);
  if (tenant.hasUsernameAndEmail && !input.email) throw emailRequired();
  let wasDisabled = false;
  const updated = await em.transactional(async (tx) => {
    const current = await requireUserRow(tx, tenantId, userId, true);
    assertMayManage(caller, current, input.roles);
    wasDisabled = current.is_disabled;
    try {
      const [row] = (await executeSql(
        tx,
        `update app_user set username = ?, username_normalized = ?, email = ?, email_normalized = ?, is_disabled = ?, is_verified = ?,
           locale = ?, roles = ?::jsonb, external_id = ?, updated_at = now()
         where tenant_id = ? and id = ? returning ${USER_COLUMNS}`,
        [...userColumnValues(input), tenantId, userId],
      )) as UserRow[];
      return recordOf(row as UserRow);
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
  });
  if (updated.isDisabled && !wasDisabled) await cutOffUser(deps, em, tenantId, userId);
  return updated;
}

/** Deletes a user and what hangs on them; their sessions' clients are told once it is committed. */
export async function deleteUser(
  deps: UserAdminDeps,
  em: EntityManager,
  caller: Principal,
  tenantId: string,
  userId: string,
): Promise<void> {
  const ended = await em.transactional(async (tx) => {
    const current = await requireUserRow(tx, tenantId, userId, true);
    assertMayManage(caller, current, undefined);
    return deleteUsersIn(tx, tenantId, [userId]);
  });
  deps.logout.announce(em, tenantId, ended);
}
