import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

export const UserEntity = defineEntity({
  name: "User",
  tableName: "app_user",
  filters: tenantFilters,
  uniques: [
    { name: "app_user_tenant_username_unique", properties: ["tenant", "usernameNormalized"] },
    { name: "app_user_tenant_email_unique", properties: ["tenant", "emailNormalized"] },
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
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type User = InferEntity<typeof UserEntity>;
