// The groups of one tenant and their members (SCIM Groups, docs/scim.md). Membership changes are
// statements on the changed memberships only: adding one member to a group of 10 000 inserts one
// row. Every change of a group, memberships included, raises its `version` (its ETag), and is one
// statement (`write`): the version, the attributes and the memberships change together or not at all.
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
import { isUserId } from "./user-rows.js";

export interface GroupRecord {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The attributes of a group a client sets. */
export interface GroupFields {
  readonly displayName: string;
  readonly externalId: string | null;
}

/**
 * A change of a group's memberships as its net effect: with `keep`, the members stay apart from
 * `remove`, and `add` join; without, the group's members become exactly `add`. `add` and `remove`
 * are disjoint, and `add` holds users of the tenant only (`write` changes nothing otherwise).
 */
export interface MembershipDelta {
  readonly keep: boolean;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

export interface GroupWrite {
  /** The version the group must still be at (as read before); undefined: whatever it is now. */
  readonly version: number | undefined;
  /** New attributes; undefined: unchanged. */
  readonly fields: GroupFields | undefined;
  readonly members: MembershipDelta;
}

export interface GroupMemberRef {
  readonly id: string;
  readonly username: string;
}

interface GroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const GROUP_COLUMNS = sql`id, display_name, external_id, version, created_at, updated_at`;

function groupOf(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

const COLUMNS: Record<string, ScalarColumn> = {
  id: { expr: sql`id`, kind: "uuid" },
  // Served by the index on lower(display_name): `displayName eq` is one index lookup.
  displayName: { expr: sql`display_name`, kind: "text" },
  externalId: { expr: sql`external_id`, kind: "text" },
  "meta.created": { expr: sql`created_at`, kind: "timestamp" },
  "meta.lastModified": { expr: sql`updated_at`, kind: "timestamp" },
};

const MEMBERS: MultiValuedColumn = {
  exists: (condition) =>
    sql`exists (select 1 from user_group_member m where m.tenant_id = user_group.tenant_id and m.group_id = user_group.id and ${condition})`,
  element: (sub) => (sub === "value" ? { expr: sql`m.user_id`, kind: "uuid" } : undefined),
};

const GROUP_FILTER_COLUMNS: FilterColumns = {
  scalar: (attribute) => COLUMNS[attribute],
  multiValued: (attribute) => (attribute === "members" ? MEMBERS : undefined),
};

export class GroupRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  async find(groupId: string): Promise<GroupRecord | undefined> {
    if (!isUserId(groupId)) return undefined;
    const row = await this.uow.first<GroupRow>(
      sql`select ${GROUP_COLUMNS} from user_group where tenant_id = ${this.tenantId} and id = ${groupId}`,
    );
    return row && groupOf(row);
  }

  async insert(group: { readonly id: string; readonly displayName: string; readonly externalId: string | null }): Promise<GroupRecord> {
    const row = await this.uow.first<GroupRow>(
      sql`insert into user_group (id, tenant_id, display_name, external_id, version, created_at, updated_at)
       values (${group.id}, ${this.tenantId}, ${group.displayName}, ${group.externalId}, 1, now(), now()) returning ${GROUP_COLUMNS}`,
    );
    if (!row) throw new Error("insert … returning answered no row");
    return groupOf(row);
  }

  /**
   * Raises the group's version and makes the change, in one statement (data-modifying CTEs, whose
   * order the shared `changed` row fixes: the memberships change only if the group's row did):
   * the group as written, or undefined when nothing was written because the group is gone, is no
   * longer at `change.version`, or a user to add is not (any more) a user of the tenant.
   */
  async write(groupId: string, change: GroupWrite): Promise<GroupRecord | undefined> {
    if (!isUserId(groupId)) return undefined;
    const { version, fields, members } = change;
    const add = [...new Set(members.add)];
    // Not an id: no user of the tenant (and must not reach the uuid column, which would refuse it).
    if (!add.every(isUserId)) return undefined;
    const remove = [...new Set(members.remove)].filter(isUserId);
    const conditions: SqlFragment[] = [sql`tenant_id = ${this.tenantId} and id = ${groupId}`];
    if (version !== undefined) conditions.push(sql`version = ${version}`);
    if (add.length > 0) {
      conditions.push(sql`(select count(*) from app_user u where u.tenant_id = ${this.tenantId} and u.id in (${add})) = ${add.length}`);
    }
    const set = fields ? sql`, display_name = ${fields.displayName}, external_id = ${fields.externalId}` : sql``;
    const ctes: SqlFragment[] = [
      sql`changed as (update user_group set version = version + 1, updated_at = now()${set}
        where ${conditions.reduce((all, condition) => sql`${all} and ${condition}`)} returning ${GROUP_COLUMNS})`,
    ];
    const leaving = members.keep
      ? remove.length > 0
        ? sql`m.user_id in (${remove})`
        : undefined
      : add.length > 0
        ? sql`m.user_id not in (${add})`
        : sql`true`;
    if (leaving) {
      ctes.push(sql`removed as (delete from user_group_member m
        where m.tenant_id = ${this.tenantId} and m.group_id = ${groupId} and exists (select 1 from changed) and ${leaving})`);
    }
    if (add.length > 0) {
      ctes.push(sql`added as (insert into user_group_member (tenant_id, group_id, user_id)
        select ${this.tenantId}, c.id, u.id from changed c join app_user u on u.tenant_id = ${this.tenantId} and u.id in (${add})
        on conflict do nothing)`);
    }
    const row = await this.uow.first<GroupRow>(
      sql`with ${ctes.reduce((all, cte) => sql`${all}, ${cte}`)} select ${GROUP_COLUMNS} from changed`,
    );
    return row && groupOf(row);
  }

  /** Deletes the group (its memberships go with it); false when there was none. */
  async delete(groupId: string): Promise<boolean> {
    if (!isUserId(groupId)) return false;
    return (await this.uow.execute(sql`delete from user_group where tenant_id = ${this.tenantId} and id = ${groupId}`)) > 0;
  }

  async list(query: ScimPageQuery): Promise<{ readonly total: number; readonly groups: GroupRecord[] }> {
    const where = query.filter ? sql` and ${filterSql(query.filter, GROUP_FILTER_COLUMNS)}` : sql``;
    const matching = sql`from user_group where tenant_id = ${this.tenantId}${where}`;
    const order = orderSql(GROUP_FILTER_COLUMNS, query, sql`created_at`);
    const { total, rows } = await pageWithTotal(
      query,
      () => this.uow.rows<GroupRow>(sql`select ${GROUP_COLUMNS} ${matching} order by ${order} limit ${query.limit} offset ${query.offset}`),
      async () => Number((await this.uow.first<{ n: string }>(sql`select count(*) as n ${matching}`))?.n ?? 0),
    );
    return { total, groups: rows.map(groupOf) };
  }

  /** The members of the groups, by group id, in username order. */
  async membersOf(groupIds: readonly string[]): Promise<Map<string, GroupMemberRef[]>> {
    const members = new Map<string, GroupMemberRef[]>();
    if (groupIds.length === 0) return members;
    const rows = await this.uow.rows<{ group_id: string; id: string; username: string }>(
      sql`select m.group_id, u.id, u.username from user_group_member m
         join app_user u on u.tenant_id = m.tenant_id and u.id = m.user_id
         where m.tenant_id = ${this.tenantId} and m.group_id in (${groupIds}) order by u.username_normalized, u.id`,
    );
    for (const row of rows) {
      const list = members.get(row.group_id) ?? [];
      list.push({ id: row.id, username: row.username });
      members.set(row.group_id, list);
    }
    return members;
  }

  /**
   * The display names of the user's groups, in name order, at most `limit` (the `groups` claim,
   * docs/oidc.md): one statement, served by the (tenant_id, user_id) index of memberships.
   */
  async displayNamesOfMember(userId: string, limit: number): Promise<string[]> {
    if (!isUserId(userId)) return [];
    const rows = await this.uow.rows<{ display_name: string }>(
      sql`select g.display_name from user_group_member m
         join user_group g on g.tenant_id = m.tenant_id and g.id = m.group_id
         where m.tenant_id = ${this.tenantId} and m.user_id = ${userId} order by lower(g.display_name), g.id limit ${limit}`,
    );
    return rows.map((row) => row.display_name);
  }

  /** Those of `userIds` that are not users of the tenant. */
  async unknownUsers(userIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(userIds)];
    const valid = ids.filter(isUserId);
    const found =
      valid.length === 0
        ? []
        : await this.uow.rows<{ id: string }>(sql`select id from app_user where tenant_id = ${this.tenantId} and id in (${valid})`);
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id.toLowerCase()));
  }

  /** Adds the users (already checked to be the tenant's) to the group; members already there stay as they are. */
  async addMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.uow.execute(
      sql`insert into user_group_member (tenant_id, group_id, user_id)
         select ${this.tenantId}, ${groupId}, u.id from app_user u where u.tenant_id = ${this.tenantId} and u.id in (${userIds})
         on conflict do nothing`,
    );
  }
}
