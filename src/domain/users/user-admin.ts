// Creating, changing and deleting users (UserService, `users:write`). An admin-created user has no
// credential: they get one through the reset-code flow (an invitation is Request Reset Password).
import { randomUUID } from "node:crypto";
import { alreadyExists, type DomainError } from "../../errors/domain-error.js";
import { isUniqueViolation, violatedConstraint } from "../../persistence/db-errors.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import type { StoredUserFields } from "../../persistence/repositories/user-repository.js";
import type { UserRecord } from "../../persistence/repositories/user-rows.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Principal } from "../auth/permissions.js";
import type { EndedSession, Logout } from "../oidc/logout.js";
import { endSessions } from "../oidc/sessions.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { normalizeEmail, normalizeUsername } from "../../sdk/identity-normalization.js";
import { assertMayManage, emailRequired, requireUser, userNotFound } from "./user-record.js";

export interface UserInput {
  readonly username: string;
  readonly email: string;
  readonly isDisabled: boolean;
  readonly isVerified: boolean;
  readonly locale?: string;
  readonly roles: readonly string[];
  readonly externalId?: string;
}

/** A user to create: the settable fields and, optionally, the id to give them (a migration keeps its ids). */
export interface NewUserInput extends UserInput {
  readonly userId?: string;
}

/** The tenant the repositories act for, or TENANT_NOT_FOUND. */
export async function requireTenant(repos: TenantRepositories): Promise<Tenant> {
  const tenant = await repos.tenant.find();
  if (!tenant) throw tenantNotFound(repos.tenantId);
  return tenant;
}

export function duplicateError(error: unknown): DomainError | undefined {
  if (!isUniqueViolation(error)) return undefined;
  const constraint = violatedConstraint(error);
  // Ids are unique across tenants; the answer does not say where the id is used.
  if (constraint === "app_user_pkey") return alreadyExists("USER_ID_TAKEN", "This user_id is already taken");
  return constraint.includes("email")
    ? alreadyExists("EMAIL_TAKEN", "This e-mail address is already used by another user of the tenant")
    : alreadyExists("USERNAME_TAKEN", "This username is already taken in the tenant");
}

/** A user's fields as stored: the normalized username and e-mail are its identity; "" is no e-mail, no locale. */
export function storedFieldsOf(input: UserInput): StoredUserFields {
  return {
    username: input.username,
    usernameNormalized: normalizeUsername(input.username),
    email: input.email || null,
    emailNormalized: input.email ? normalizeEmail(input.email) : null,
    isDisabled: input.isDisabled,
    isVerified: input.isVerified,
    locale: input.locale ?? "",
    roles: input.roles,
    externalId: input.externalId ?? null,
  };
}

export async function createUser(repos: TenantRepositories, caller: Principal, input: NewUserInput): Promise<UserRecord> {
  const tenant = await requireTenant(repos);
  if (tenant.hasUsernameAndEmail && !input.email) throw emailRequired();
  assertMayManage(caller, undefined, input.roles);
  try {
    return await repos.users.insert({ id: input.userId ?? randomUUID(), ...storedFieldsOf(input) });
  } catch (error) {
    throw duplicateError(error) ?? error;
  }
}

export interface UserAdminDeps {
  readonly logout: Logout;
}

/**
 * Ends every session of the user and revokes every token family (with or without a session), in
 * the caller's transaction; answers the sessions that ended, to announce once it is committed.
 */
export async function cutOffUser(tx: TenantRepositories, userId: string): Promise<EndedSession[]> {
  const ended = await endSessions(tx.sessions, { userId });
  await tx.users.revokeTokenFamilies(userId);
  return ended;
}

export async function updateUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  userId: string,
  input: UserInput,
): Promise<UserRecord> {
  const tenant = await requireTenant(repos);
  if (tenant.hasUsernameAndEmail && !input.email) throw emailRequired();
  // Disabling ends the user's sessions and tokens in the same transaction: a user is never left
  // disabled with sessions that would come back to life when they are enabled again.
  const { updated, ended } = await repos.transactional(async (tx) => {
    const current = await requireUser(tx.users, userId, { lock: true });
    assertMayManage(caller, current, input.roles);
    let record: UserRecord | undefined;
    try {
      record = await tx.users.update(userId, storedFieldsOf(input));
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
    // The row is locked since it was read: it is still there.
    if (!record) throw userNotFound(userId);
    return { updated: record, ended: record.isDisabled && !current.isDisabled ? await cutOffUser(tx, userId) : [] };
  });
  deps.logout.announce(repos.tenantId, ended);
  return updated;
}

/** Deletes a user and what hangs on them; their sessions' clients are told once it is committed. */
export async function deleteUser(deps: UserAdminDeps, repos: TenantRepositories, caller: Principal, userId: string): Promise<void> {
  const ended = await repos.transactional(async (tx) => {
    const current = await requireUser(tx.users, userId, { lock: true });
    assertMayManage(caller, current, undefined);
    return tx.users.deleteWithDependents([userId]);
  });
  deps.logout.announce(repos.tenantId, ended);
}
