// A user as the user administration reads and answers it: one shape whether it came from the ORM or
// from raw SQL (the list and batch paths use SQL for their indexes and single round trips).
import type { EntityManager } from "@mikro-orm/postgresql";
import { Code, DomainError, notFound, permissionDenied } from "../../errors/domain-error.js";
import type { Principal } from "../auth/permissions.js";
import { executeSql } from "../../persistence/execute-sql.js";

export interface UserRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly username: string;
  readonly email: string | null;
  readonly isDisabled: boolean;
  readonly isVerified: boolean;
  readonly locale: string;
  readonly roles: string[];
  readonly externalId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface UserRow {
  id: string;
  tenant_id: string;
  username: string;
  username_normalized: string;
  email: string | null;
  is_disabled: boolean;
  is_verified: boolean;
  locale: string;
  roles: string[] | string;
  external_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export const USER_COLUMNS =
  "id, tenant_id, username, username_normalized, email, is_disabled, is_verified, locale, roles, external_id, created_at, updated_at";

export function recordOf(row: UserRow): UserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    email: row.email,
    isDisabled: row.is_disabled,
    isVerified: row.is_verified,
    locale: row.locale,
    roles: typeof row.roles === "string" ? (JSON.parse(row.roles) as string[]) : row.roles,
    externalId: row.external_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function userNotFound(userId: string): DomainError {
  return notFound("USER_NOT_FOUND", `User ${userId} not found`);
}

/** Reads one user of `tenantId` by id, optionally locking the row for an update. */
export async function findUserRow(em: EntityManager, tenantId: string, userId: string, lock = false): Promise<UserRow | undefined> {
  if (!UUID.test(userId)) return undefined;
  const [row] = (await executeSql(em, `select ${USER_COLUMNS} from app_user where tenant_id = ? and id = ?${lock ? " for update" : ""}`, [
    tenantId,
    userId,
  ])) as UserRow[];
  return row;
}

export async function requireUserRow(em: EntityManager, tenantId: string, userId: string, lock = false): Promise<UserRow> {
  const row = await findUserRow(em, tenantId, userId, lock);
  if (!row) throw userNotFound(userId);
  return row;
}

export const ADMIN_ROLES = ["super_admin", "tenant_admin"] as const;

function rolesOf(row: UserRow): string[] {
  return typeof row.roles === "string" ? (JSON.parse(row.roles) as string[]) : row.roles;
}

/**
 * The role hierarchy: only a super admin grants or removes `super_admin`, and only a super admin
 * changes or deletes a super admin. `next` is the roles the user would have (undefined: deletion).
 */
export function assertMayManage(caller: Principal, current: UserRow | undefined, next: readonly string[] | undefined): void {
  if (caller.role === "super_admin") return;
  if (current && rolesOf(current).includes("super_admin")) {
    throw permissionDenied("Only a super admin may change or delete a super admin");
  }
  if (next?.includes("super_admin")) throw permissionDenied("Only a super admin may grant super_admin");
}

export function emailRequired(): DomainError {
  return new DomainError(Code.InvalidArgument, "INVALID_ARGUMENT", "email: Field required", {
    violations: [{ path: ["email"], message: "Field required", type: "missing" }],
  });
}
