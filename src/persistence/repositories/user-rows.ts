// A user as the user administration reads and answers it, and the row of `app_user` it is read
// from. Shared by the user repository, its list query and the cross-tenant lookup of the
// caller's own user: one column list, one conversion.
import { sql } from "../sql-fragment.js";

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

/** What `USER_COLUMNS` selects. jsonb and timestamps arrive parsed from node-pg, as text from other drivers. */
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

export const USER_COLUMNS = sql`id, tenant_id, username, username_normalized, email, is_disabled, is_verified, locale, roles, external_id, created_at, updated_at`;

/** A user id is a uuid column: anything else names no user (and must not reach the database, which would refuse it). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUserId(id: string): boolean {
  return UUID.test(id);
}

/** A jsonb column's value: parsed by node-pg already, or its text. */
export function jsonColumn<T>(value: T | string): T {
  if (typeof value !== "string") return value;
  const parsed: T = JSON.parse(value);
  return parsed;
}

export function recordOf(row: UserRow): UserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    email: row.email,
    isDisabled: row.is_disabled,
    isVerified: row.is_verified,
    locale: row.locale,
    roles: jsonColumn(row.roles),
    externalId: row.external_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
