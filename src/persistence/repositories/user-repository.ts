// The users of one tenant (UserService), as `sql` statements: the list and the batches need their
// indexes and single round trips, and one row shape serves every read (user-rows.ts). Every
// statement names this repository's tenant; callers never pass one. Writes that belong together
// (a deletion and what hangs on the users) run in the caller's unit of work, so they commit
// together or not at all.
import type { Session } from "../entities/oidc.js";
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { listUsers, type UserListQuery, type UserPage } from "./user-list-query.js";
import { isUserId, jsonColumn, recordOf, USER_COLUMNS, type UserRecord, type UserRow } from "./user-rows.js";

/** The settable fields of a user as stored: the normalized forms are the identity (unique per tenant). */
export interface StoredUserFields {
  readonly username: string;
  readonly usernameNormalized: string;
  readonly email: string | null;
  readonly emailNormalized: string | null;
  readonly isDisabled: boolean;
  readonly isVerified: boolean;
  readonly locale: string;
  readonly roles: readonly string[];
  readonly externalId: string | null;
}

export interface NewStoredUser extends StoredUserFields {
  readonly id: string;
}

/** A user's roles, as the role hierarchy judges a deletion. */
export interface UserRoles {
  readonly id: string;
  readonly roles: string[];
}

/** A session that a deletion ended, for back-channel logout once committed. */
export type DeletedUserSession = Pick<Session, "id" | "user" | "clients" | "clientIssuers">;

/**
 * What hangs on a user, cleared before the user in the caller's transaction: tokens, codes, nonces
 * and challenges reference users without a foreign key. `api_key` and `user_credential` would go
 * with the user anyway (foreign keys, on delete cascade); that cascade is also what removes a
 * super admin's keys made for other tenants, so no statement of a deletion leaves the tenant.
 */
const DEPENDENTS = [
  sql`refresh_token`,
  sql`authorization_code`,
  sql`token_family`,
  sql`login_nonce`,
  sql`one_time_code`,
  sql`auth_challenge`,
  sql`api_key`,
  sql`user_credential`,
  sql`passkey_credential`,
  sql`passkey_challenge`,
];

interface DeletedSessionRow {
  id: string;
  user_id: string;
  clients: string[] | string;
  client_issuers: Record<string, string> | string;
  ended_at: Date | string | null;
}

export class UserRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** A user of the tenant by id, optionally locking the row for an update; undefined when there is none. */
  async find(userId: string, options: { readonly lock?: boolean } = {}): Promise<UserRecord | undefined> {
    if (!isUserId(userId)) return undefined;
    const lock = options.lock ? sql` for update` : sql``;
    const row = await this.uow.first<UserRow>(
      sql`select ${USER_COLUMNS} from app_user where tenant_id = ${this.tenantId} and id = ${userId}${lock}`,
    );
    return row && recordOf(row);
  }

  /** A user of the tenant by normalized username. */
  async findByUsername(usernameNormalized: string): Promise<UserRecord | undefined> {
    const row = await this.uow.first<UserRow>(
      sql`select ${USER_COLUMNS} from app_user where tenant_id = ${this.tenantId} and username_normalized = ${usernameNormalized}`,
    );
    return row && recordOf(row);
  }

  list(query: UserListQuery): Promise<UserPage> {
    return listUsers(this.uow, this.tenantId, query);
  }

  /** Inserts a user; a taken id, username or e-mail fails with the database's unique violation. */
  async insert(user: NewStoredUser): Promise<UserRecord> {
    const row = await this.uow.first<UserRow>(
      sql`insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
         locale, roles, external_id, created_at, updated_at)
       values (${user.id}, ${this.tenantId}, ${user.username}, ${user.usernameNormalized}, ${user.email}, ${user.emailNormalized},
         ${user.isDisabled}, ${user.isVerified}, ${user.locale}, ${JSON.stringify(user.roles)}::jsonb, ${user.externalId}, now(), now())
       returning ${USER_COLUMNS}`,
    );
    if (!row) throw new Error("insert … returning answered no row");
    return recordOf(row);
  }

  /** Replaces a user's settable fields; undefined when the tenant has no such user. */
  async update(userId: string, fields: StoredUserFields): Promise<UserRecord | undefined> {
    const row = await this.uow.first<UserRow>(
      sql`update app_user set username = ${fields.username}, username_normalized = ${fields.usernameNormalized},
           email = ${fields.email}, email_normalized = ${fields.emailNormalized}, is_disabled = ${fields.isDisabled},
           is_verified = ${fields.isVerified}, locale = ${fields.locale}, roles = ${JSON.stringify(fields.roles)}::jsonb,
           external_id = ${fields.externalId}, updated_at = now()
         where tenant_id = ${this.tenantId} and id = ${userId} returning ${USER_COLUMNS}`,
    );
    if (row) this.uow.announce("app_user", this.tenantId);
    return row && recordOf(row);
  }

  /** Sets a user's e-mail address, unverified until a code mailed to it is used. */
  async changeEmail(userId: string, email: string, emailNormalized: string): Promise<void> {
    await this.uow.execute(
      sql`update app_user set email = ${email}, email_normalized = ${emailNormalized}, is_verified = false, updated_at = now()
         where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
    this.uow.announce("app_user", this.tenantId);
  }

  /**
   * Inserts the users in ONE statement (`insert … select from jsonb_to_recordset … on conflict do
   * nothing returning`): the ones the database refuses as duplicates (id, username or e-mail
   * taken) are the ones not returned. Answers the normalized usernames of the users created.
   */
  async insertMany(users: readonly NewStoredUser[]): Promise<Set<string>> {
    if (users.length === 0) return new Set();
    const records = users.map((user) => ({
      id: user.id,
      username: user.username,
      username_normalized: user.usernameNormalized,
      email: user.email,
      email_normalized: user.emailNormalized,
      is_disabled: user.isDisabled,
      is_verified: user.isVerified,
      locale: user.locale,
      roles: user.roles,
      external_id: user.externalId,
    }));
    const inserted = await this.uow.rows<Pick<UserRow, "username_normalized">>(
      sql`insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
         locale, roles, external_id, created_at, updated_at)
       select r.id, ${this.tenantId}, r.username, r.username_normalized, r.email, r.email_normalized, r.is_disabled, r.is_verified,
         r.locale, r.roles, r.external_id, now(), now()
       from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(id uuid, username varchar, username_normalized varchar, email varchar,
         email_normalized varchar, is_disabled boolean, is_verified boolean, locale varchar, roles jsonb, external_id varchar)
       on conflict do nothing
       returning username_normalized`,
    );
    return new Set(inserted.map((row) => row.username_normalized));
  }

  /** The roles of those of `userIds` that are users of the tenant, their rows locked for an update. */
  async lockRoles(userIds: readonly string[]): Promise<UserRoles[]> {
    const ids = userIds.filter(isUserId);
    if (ids.length === 0) return [];
    // An array value is written as the list of its elements (MikroORM's formatting): `in ('a', 'b')`.
    const rows = await this.uow.rows<Pick<UserRow, "id" | "roles">>(
      sql`select id, roles from app_user where tenant_id = ${this.tenantId} and id in (${ids}) for update`,
    );
    return rows.map((row) => ({ id: row.id, roles: jsonColumn(row.roles) }));
  }

  /**
   * Deletes the users (ids already checked to be users of the tenant) and their dependents, in
   * the caller's transaction; answers the sessions that were live until now.
   */
  async deleteWithDependents(userIds: readonly string[]): Promise<DeletedUserSession[]> {
    if (userIds.length === 0) return [];
    for (const table of DEPENDENTS) {
      await this.uow.execute(sql`delete from ${table} where tenant_id = ${this.tenantId} and user_id in (${userIds})`);
    }
    const sessions = await this.uow.rows<DeletedSessionRow>(
      sql`delete from user_session where tenant_id = ${this.tenantId} and user_id in (${userIds})
         returning id, user_id, clients, client_issuers, ended_at`,
    );
    await this.uow.execute(sql`delete from app_user where tenant_id = ${this.tenantId} and id in (${userIds})`);
    this.uow.announce("app_user", this.tenantId);
    return sessions
      .filter((row) => row.ended_at === null)
      .map((row) => ({ id: row.id, user: row.user_id, clients: jsonColumn(row.clients), clientIssuers: jsonColumn(row.client_issuers) }));
  }

  /** Revokes every token family of the user still live (with or without a session). */
  async revokeTokenFamilies(userId: string): Promise<void> {
    await this.uow.execute(
      sql`update token_family set revoked_at = now() where tenant_id = ${this.tenantId} and user_id = ${userId} and revoked_at is null`,
    );
    this.uow.announce("token_family", this.tenantId);
  }

  /**
   * Consumes the nonce of a login the user just finished (by the hash of its value), as proof of
   * a fresh re-authentication: unexpired, single use. False when there is no such nonce.
   */
  async consumeLoginNonce(userId: string, nonceHash: Buffer): Promise<boolean> {
    const used = await this.uow.rows<{ hash: Buffer }>(
      sql`delete from login_nonce
         where hash = ${nonceHash} and tenant_id = ${this.tenantId} and user_id = ${userId} and expires_at > now() returning hash`,
    );
    return used.length > 0;
  }

  /**
   * The languages an account e-mail to `emailNormalized` can be written in: the user's own locale
   * (empty when unset or no such user) and the tenant's default. One indexed lookup: the tenant's
   * primary key and app_user's unique (tenant_id, email_normalized).
   */
  async mailLocales(emailNormalized: string): Promise<{ userLocale: string; tenantDefault: string }> {
    const row = await this.uow.first<{ default_locale: string; locale: string | null }>(
      sql`select t.default_locale, u.locale from tenant t
            left join app_user u on u.tenant_id = t.id and u.email_normalized = ${emailNormalized}
           where t.id = ${this.tenantId}`,
    );
    return { userLocale: row?.locale ?? "", tenantDefault: row?.default_locale ?? "" };
  }
}
