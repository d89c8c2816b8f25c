import { defineEntity, type InferEntity } from "@mikro-orm/core";

/**
 * One rate-limit counter (domain/ratelimit/): events of a kind for a subject (a client id, an API
 * key id, a client address) in the current fixed window, which ends at `expiresAt`. Not a
 * tenant's row: `scope` is the tenant id, or "" for a limit across tenants (a client address).
 */
export const RateLimitEntity = defineEntity({
  name: "RateLimit",
  tableName: "rate_limit",
  // For the housekeeping's sweep of ended windows.
  indexes: [{ name: "rate_limit_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    scope: p.string().primary().length(63),
    kind: p.string().primary().length(32),
    subject: p.string().primary().length(128),
    hits: p.integer(),
    expiresAt: p.datetime(),
  }),
});

export type RateLimit = InferEntity<typeof RateLimitEntity>;
