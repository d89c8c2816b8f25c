import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

export const ApiKeyEntity = defineEntity({
  name: "ApiKey",
  tableName: "api_key",
  filters: tenantFilters,
  indexes: [{ name: "api_key_tenant_created_index", properties: ["tenant", "createdAt"] }],
  properties: (p) => ({
    /** Public identifier, also embedded in the key so that a lookup is one primary-key read. */
    id: p.string().primary().length(32),
    tenant: tenantColumn(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade").index(),
    name: p.string().length(128).default(""),
    scopes: p.json<string[]>().columnType("jsonb"),
    /** SHA-256 of the key's secret part. */
    secretHash: p.blob(),
    isActive: p.boolean().default(true),
    lastUseAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type ApiKey = InferEntity<typeof ApiKeyEntity>;
