// The users of one tenant as SCIM sees them (docs/scim.md): the user's row with its SCIM profile
// (the attributes without a column of their own), filtered lists, and the groups of users. The
// user's own columns are written through UserRepository, in the same unit of work.
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
  type ScalarColumn,
  type ScimPageQuery,
} from "./scim-filter-sql.js";
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
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

interface ScimUserRow extends UserRow {
  scim_profile: ScimProfile | string;
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
  return { user: recordOf(row), profile: jsonColumn(row.scim_profile) };
}

export class ScimUserRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** A user with their SCIM profile, optionally locking the row for an update. */
  async find(userId: string, options: { readonly lock?: boolean } = {}): Promise<ScimUserRecord | undefined> {
    if (!isUserId(userId)) return undefined;
    const lock = options.lock ? sql` for update` : sql``;
    const row = await this.uow.first<ScimUserRow>(
      sql`select ${USER_COLUMNS}, scim_profile from app_user where tenant_id = ${this.tenantId} and id = ${userId}${lock}`,
    );
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
  async list(query: ScimPageQuery): Promise<{ readonly total: number; readonly users: ScimUserRecord[] }> {
    const where = query.filter ? sql` and ${filterSql(query.filter, USER_FILTER_COLUMNS)}` : sql``;
    const matching = sql`from app_user where tenant_id = ${this.tenantId}${where}`;
    const order = orderSql(USER_FILTER_COLUMNS, query, sql`created_at`);
    // Without a filter the total is the tenant's count the database keeps (migration
    // `tenant_user_count`): no scan of a large tenant for Okta's `startIndex=1&count=2`.
    const total = query.filter
      ? this.uow.first<{ n: string }>(sql`select count(*) as n ${matching}`)
      : this.uow.first<{ n: string }>(sql`select users as n from tenant_user_count where tenant_id = ${this.tenantId}`);
    const [countRow, rows] = await Promise.all([
      total,
      query.limit === 0
        ? Promise.resolve([])
        : this.uow.rows<ScimUserRow>(
            sql`select ${USER_COLUMNS}, scim_profile ${matching} order by ${order} limit ${query.limit} offset ${query.offset}`,
          ),
    ]);
    return { total: Number(countRow?.n ?? 0), users: rows.map(scimRecordOf) };
  }

  /** The users' groups, by user id (users without groups are absent). */
  async groupsOf(userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
    const groups = new Map<string, GroupRef[]>();
    const ids = userIds.filter(isUserId);
    if (ids.length === 0) return groups;
    const rows = await this.uow.rows<{ user_id: string; id: string; display_name: string }>(
      sql`select m.user_id, g.id, g.display_name from user_group_member m
         join user_group g on g.tenant_id = m.tenant_id and g.id = m.group_id
         where m.tenant_id = ${this.tenantId} and m.user_id in (${ids}) order by g.display_name, g.id`,
    );
    for (const row of rows) {
      const list = groups.get(row.user_id) ?? [];
      list.push({ id: row.id, displayName: row.display_name });
      groups.set(row.user_id, list);
    }
    return groups;
  }
}
