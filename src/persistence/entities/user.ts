import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

export const USER_INDEXES = {
  created: `create index "app_user_tenant_created_index" on "app_user" ("tenant_id", "created_at", "id");`,
  username: `create index "app_user_tenant_username_c_index" on "app_user" ("tenant_id", ("username_normalized" collate "C"), "id");`,
  email: `create index "app_user_tenant_email_c_index" on "app_user" ("tenant_id", ("email_normalized" collate "C"), "id");`,
  // SCIM's `externalId eq` and `displayName eq` (src/persistence/repositories/scim-user-repository.ts).
  externalId: `create index "app_user_tenant_external_id_index" on "app_user" ("tenant_id", "external_id");`,
  scimDisplayName: `create index "app_user_tenant_scim_display_name_index" on "app_user" ("tenant_id", (lower("scim_profile" ->> 'displayName')));`,
};

export const UserEntity = defineEntity({
  name: "User",
  tableName: "app_user",
  filters: tenantFilters,
  uniques: [
    { name: "app_user_tenant_username_unique", properties: ["tenant", "usernameNormalized"] },
    { name: "app_user_tenant_email_unique", properties: ["tenant", "emailNormalized"] },
  ],
  // The user list's indexes (src/persistence/repositories/user-list-query.ts): the "C" collation makes one B-tree
  // serve both a `like 'prefix%'` filter and the ORDER BY of a page.
  indexes: [
    { name: "app_user_tenant_created_index", expression: USER_INDEXES.created },
    { name: "app_user_tenant_username_c_index", expression: USER_INDEXES.username },
    { name: "app_user_tenant_email_c_index", expression: USER_INDEXES.email },
    { name: "app_user_tenant_external_id_index", expression: USER_INDEXES.externalId },
    { name: "app_user_tenant_scim_display_name_index", expression: USER_INDEXES.scimDisplayName },
  ],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: tenantColumn(),
    username: p.string().length(128),
    /** Lower-cased NFKC form: the identity used for uniqueness and lookups. */
    usernameNormalized: p.string().length(128),
    email: p.string().length(254).nullable(),
    emailNormalized: p.string().length(254).nullable(),
    isDisabled: p.boolean().default(false),
    isVerified: p.boolean().default(false),
    locale: p.string().length(35).default(""),
    roles: p.json<string[]>().columnType("jsonb"),
    externalId: p.string().length(256).nullable(),
    /**
     * The SCIM attributes that have no column of their own (name, displayName, emails,
     * phoneNumbers, addresses, the enterprise extension, …), as a provisioning client gave them
     * (docs/scim.md). `{}` for users created otherwise.
     */
    scimProfile: p.json<Record<string, unknown>>().columnType("jsonb").default("{}"),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type User = InferEntity<typeof UserEntity>;

/**
 * The number of users of each tenant, kept by the database itself: statement-level triggers on
 * `app_user` (migration `tenant_user_count`) add the rows each INSERT inserted and subtract the
 * rows each DELETE deleted, so every path that creates or removes users keeps it exact without
 * application code. Read by List Users without filters (src/persistence/repositories/user-list-query.ts); never
 * written by the application. No row: the tenant has no users.
 */
export const TenantUserCountEntity = defineEntity({
  name: "TenantUserCount",
  tableName: "tenant_user_count",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    users: p.bigint("number").default(0),
  }),
});

export type TenantUserCount = InferEntity<typeof TenantUserCountEntity>;
