import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

/**
 * A group of a tenant's users, provisioned over SCIM (src/persistence/repositories/group-repository.ts).
 * `version` counts its changes, memberships included: it is the group's ETag.
 */
export const GroupEntity = defineEntity({
  name: "Group",
  tableName: "user_group",
  filters: tenantFilters,
  indexes: [
    // `displayName eq` (case-insensitive), as Entra ID looks groups up.
    {
      name: "user_group_tenant_display_name_index",
      expression: `create index "user_group_tenant_display_name_index" on "user_group" ("tenant_id", (lower("display_name")));`,
    },
    { name: "user_group_tenant_external_id_index", properties: ["tenant", "externalId"] },
    { name: "user_group_tenant_created_index", properties: ["tenant", "createdAt", "id"] },
  ],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: tenantColumn(),
    displayName: p.string().length(256),
    externalId: p.string().length(256).nullable(),
    version: p.integer().default(1),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type Group = InferEntity<typeof GroupEntity>;

/** A user's membership of a group; both go with their tenant, the user or the group. */
export const GroupMemberEntity = defineEntity({
  name: "GroupMember",
  tableName: "user_group_member",
  filters: tenantFilters,
  // The primary key serves a group's members; this index a user's groups.
  indexes: [{ name: "user_group_member_tenant_user_index", properties: ["tenant", "user"] }],
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    group: p.manyToOne(GroupEntity).mapToPk().primary().deleteRule("cascade"),
    user: p.manyToOne(UserEntity).mapToPk().primary().deleteRule("cascade"),
  }),
});

export type GroupMember = InferEntity<typeof GroupMemberEntity>;
