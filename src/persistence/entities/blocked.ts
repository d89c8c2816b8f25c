import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

const blockProperties = (p: typeof defineEntity.properties) => ({
  failures: p.integer().default(0),
  reason: p.string().length(256).default(""),
  blockedAt: p.datetime().onCreate(() => new Date()),
  /** Null: until an administrator lifts the block. */
  blockedUntil: p.datetime().nullable(),
});

export const BlockedIpEntity = defineEntity({
  name: "BlockedIp",
  tableName: "blocked_ip",
  filters: tenantFilters,
  indexes: [{ name: "blocked_ip_tenant_blocked_at_index", properties: ["tenant", "blockedAt"] }],
  // Primary key (tenant_id, ip): the tenant leads, as in every tenant-owned index.
  properties: (p) => ({ tenant: tenantColumn().primary(), ip: p.string().primary().length(45), ...blockProperties(p) }),
});

export const BlockedUserEntity = defineEntity({
  name: "BlockedUser",
  tableName: "blocked_user",
  filters: tenantFilters,
  indexes: [{ name: "blocked_user_tenant_blocked_at_index", properties: ["tenant", "blockedAt"] }],
  properties: (p) => ({ tenant: tenantColumn().primary(), username: p.string().primary().length(128), ...blockProperties(p) }),
});

export type BlockedIp = InferEntity<typeof BlockedIpEntity>;
export type BlockedUser = InferEntity<typeof BlockedUserEntity>;
