// The users of one tenant as SCIM sees them (docs/scim.md): the user's row with its SCIM profile
// (the attributes without a column of their own), filtered lists, and the groups of users. A
// SCIM request is one statement here wherever it can be: a read brings the user's groups along
// (a subquery, not a second round trip), a write is one `update … returning` of the row read
// before, guarded by that read's row version instead of a lock held across round trips.
//
// Where each attribute lives, for filters and sorting: userName in `username_normalized` (the
// tenant's unique index: `userName eq` is one index lookup), externalId in `external_id` and a
// profile's displayName in their indexes (migration `scim`), active, locale and the meta dates in
// their columns, everything else in the `scim_profile` jsonb.
import { type SqlFragment, sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import {
  type FilterColumns,
  filterSql,
  type MultiValuedColumn,
  orderSql,
  pageWithTotal,
  type ScalarColumn,
  type ScimPageQuery,
} from "./scim-filter-sql.js";
import type { StoredUserFields } from "./user-repository.js";
import { isUserId, jsonColumn, recordOf, USER_COLUMNS, type UserRecord, type UserRow } from "./user-rows.js";

export type ScimProfile = Record<string, unknown>;

/** The contact attributes of a user's SCIM profile, as stored (anything a client sent). */
export interface ScimContacts {
  readonly phoneNumbers: unknown;
  readonly addresses: unknown;
}

/** A profile attribute when it is an array (as canonical multi-valued attributes are), else null. */
const arrayAttribute = (name: "phoneNumbers" | "addresses") =>
  sql`case when jsonb_typeof(scim_profile -> ${name}::text) = 'array' then scim_profile -> ${name}::text end`;

/** A jsonb array as the driver hands it over (parsed, or its text when the type parser is off). */
const jsonValue = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

export interface ScimUserRecord {
  readonly user: UserRecord;
  readonly profile: ScimProfile;
  /**
   * The version of the row as read (Postgres `xmin`, which every update of the row changes): a
   * write names it and changes nothing when the row changed since (see `write`).
   */
  readonly rowVersion: string;
  /** The user's groups, in name order; undefined when the read did not ask for them. */
  readonly groups: readonly GroupRef[] | undefined;
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/** What a read brings along with the user. */
export interface ScimUserReadOptions {
  /** The user's groups (the SCIM `groups` attribute): only when the answer carries them. */
  readonly groups: boolean;
}

/** The fields of a user that a SCIM write sets: all but the roles, which SCIM does not manage. */
export type ScimUserFields = Omit<StoredUserFields, "roles">;

interface ScimUserRow extends UserRow {
  scim_profile: ScimProfile | string;
  row_version: string;
  groups?: { id: string; displayName: string }[] | string | null;
}

/** The row of a user as SCIM reads it: the user's columns, the SCIM profile and the row version. */
const SCIM_USER_COLUMNS = sql`${USER_COLUMNS}, scim_profile, xmin::text as row_version`;

/**
 * The groups of the `app_user` row at hand, as one json array in name order: a subquery of the
 * statement that reads (or writes) the user, served by the (tenant_id, user_id) index of
 * memberships, instead of a second round trip.
 */
const GROUPS_COLUMN = sql`(select coalesce(json_agg(json_build_object('id', g.id, 'displayName', g.display_name)
    order by g.display_name, g.id), '[]'::json)
  from user_group_member m join user_group g on g.tenant_id = m.tenant_id and g.id = m.group_id
  where m.tenant_id = app_user.tenant_id and m.user_id = app_user.id) as groups`;

function columnsOf(options: ScimUserReadOptions) {
  return options.groups ? sql`${SCIM_USER_COLUMNS}, ${GROUPS_COLUMN}` : SCIM_USER_COLUMNS;
}

const COLUMNS: Record<string, ScalarColumn> = {
  id: { expr: sql`id`, kind: "uuid" },
  userName: { expr: sql`username_normalized`, kind: "text" },
  externalId: { expr: sql`external_id`, kind: "text" },
  active: { expr: sql`(not is_disabled)`, kind: "boolean" },
  locale: { expr: sql`nullif(locale, '')`, kind: "text" },
  "meta.created": { expr: sql`created_at`, kind: "timestamp" },
  "meta.lastModified": { expr: sql`updated_at`, kind: "timestamp" },
  // Sorting by e-mail sorts by the primary one.
  emails: { expr: sql`email_normalized`, kind: "text" },
  "emails.value": { expr: sql`email_normalized`, kind: "text" },
};

/** `scim_profile` text at a canonical path: `a`, `a.b`, `urn:…:User:a`, `urn:…:User:a.b`. */
function profileText(path: string): SqlFragment {
  const lastColon = path.startsWith("urn:") ? path.lastIndexOf(":") : -1;
  const container = lastColon === -1 ? sql`scim_profile` : sql`(scim_profile -> ${path.slice(0, lastColon)})`;
  const [attribute = "", sub] = path.slice(lastColon + 1).split(".");
  return sub === undefined ? sql`(${container} ->> ${attribute})` : sql`(${container} -> ${attribute} ->> ${sub})`;
}

/** The elements of a jsonb array in the profile (none when the attribute is not an array). */
function profileArray(attribute: string): MultiValuedColumn {
  const array = sql`scim_profile -> ${attribute}`;
  return {
    exists: (condition) =>
      sql`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${array}) = 'array' then ${array} else '[]'::jsonb end) as e(v) where ${condition})`,
    element: (sub) => ({ expr: sql`(e.v ->> ${sub})`, kind: "text" }),
  };
}

/** A user's groups, from the memberships. */
const GROUPS: MultiValuedColumn = {
  exists: (condition) =>
    sql`exists (select 1 from user_group_member m where m.tenant_id = app_user.tenant_id and m.user_id = app_user.id and ${condition})`,
  element: (sub) => (sub === "value" ? { expr: sql`m.group_id`, kind: "uuid" } : undefined),
};

const USER_FILTER_COLUMNS: FilterColumns = {
  scalar: (attribute) => COLUMNS[attribute] ?? { expr: profileText(attribute), kind: "text" },
  multiValued: (attribute) => (attribute === "groups" ? GROUPS : profileArray(attribute)),
};

function scimRecordOf(row: ScimUserRow): ScimUserRecord {
  const groups = row.groups === undefined || row.groups === null ? undefined : jsonColumn(row.groups);
  return { user: recordOf(row), profile: jsonColumn(row.scim_profile), rowVersion: row.row_version, groups };
}

export class ScimUserRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** A user with their SCIM profile (and their groups, if asked for). */
  async find(userId: string, options: ScimUserReadOptions): Promise<ScimUserRecord | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<ScimUserRow>(
      sql`select ${columnsOf(options)} from app_user where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
    return row && scimRecordOf(row);
  }

  /**
   * A user about to be written, and whether the tenant requires an e-mail address of its users
   * (its `has_username_and_email`): one statement, the tenant's row by primary key joined.
   */
  async findForWrite(userId: string): Promise<{ readonly record: ScimUserRecord; readonly emailRequired: boolean } | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<ScimUserRow & { email_required: boolean }>(
      sql`select ${SCIM_USER_COLUMNS}, (select t.has_username_and_email from tenant t where t.id = app_user.tenant_id) as email_required
        from app_user where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
    return row && { record: scimRecordOf(row), emailRequired: row.email_required };
  }

  /**
   * Writes the user's fields and SCIM profile if the row is still at `rowVersion` (as `find`
   * read it), in one `update … returning`: the written user with their groups, or undefined when
   * the row changed since (or is gone) and nothing was written. A taken username or e-mail fails
   * with the database's unique violation.
   */
  async write(userId: string, rowVersion: string, fields: ScimUserFields, profile: ScimProfile): Promise<ScimUserRecord | undefined> {
    const row = await this.uow.first<ScimUserRow>(
      sql`update app_user set username = ${fields.username}, username_normalized = ${fields.usernameNormalized},
           email = ${fields.email}, email_normalized = ${fields.emailNormalized}, is_disabled = ${fields.isDisabled},
           is_verified = ${fields.isVerified}, locale = ${fields.locale}, external_id = ${fields.externalId},
           scim_profile = ${JSON.stringify(profile)}::jsonb, updated_at = now()
         where tenant_id = ${this.tenantId} and id = ${userId} and xmin = ${rowVersion}::xid
         returning ${columnsOf({ groups: true })}`,
    );
    // This instance's verdicts of live access tokens carry the user's fields (access-token-check.ts).
    if (row) this.uow.announce("app_user", this.tenantId);
    return row && scimRecordOf(row);
  }

  /**
   * The `phoneNumbers` and `addresses` of a user's SCIM profile (the OIDC `phone` and `address`
   * claims), and only those: one lookup by primary key. Undefined for an unknown user.
   */
  async contactsOf(userId: string): Promise<ScimContacts | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<{ phone_numbers: unknown; addresses: unknown }>(
      sql`select ${arrayAttribute("phoneNumbers")} as phone_numbers, ${arrayAttribute("addresses")} as addresses
        from app_user where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
    return row && { phoneNumbers: jsonValue(row.phone_numbers), addresses: jsonValue(row.addresses) };
  }

  /** Sets the SCIM profile of a user of the tenant. */
  async saveProfile(userId: string, profile: ScimProfile): Promise<void> {
    await this.uow.execute(
      sql`update app_user set scim_profile = ${JSON.stringify(profile)}::jsonb where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
  }

  /** One page of the users matching the filter, and how many match in all. Throws UnsupportedFilter. */
  async list(query: ScimPageQuery, options: ScimUserReadOptions): Promise<{ readonly total: number; readonly users: ScimUserRecord[] }> {
    const where = query.filter ? sql` and ${filterSql(query.filter, USER_FILTER_COLUMNS)}` : sql``;
    const matching = sql`from app_user where tenant_id = ${this.tenantId}${where}`;
    const order = orderSql(USER_FILTER_COLUMNS, query, sql`created_at`);
    const { total, rows } = await pageWithTotal(
      query,
      () =>
        this.uow.rows<ScimUserRow>(
          sql`select ${columnsOf(options)} ${matching} order by ${order} limit ${query.limit} offset ${query.offset}`,
        ),
      // Without a filter the total is the tenant's count the database keeps (migration
      // `tenant_user_count`): no scan of a large tenant for Okta's `startIndex=1&count=2`.
      async () =>
        Number(
          (query.filter
            ? await this.uow.first<{ n: string }>(sql`select count(*) as n ${matching}`)
            : await this.uow.first<{ n: string }>(sql`select users as n from tenant_user_count where tenant_id = ${this.tenantId}`)
          )?.n ?? 0,
        ),
    );
    return { total, users: rows.map(scimRecordOf) };
  }
}
