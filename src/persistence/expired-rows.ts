// Reclaims the space of short-lived rows that expired unused (challenges, nonces, codes,
// authorization requests, refresh tokens, revoked access tokens' deny entries) and of rate-limit
// counters whose window has ended (domain/housekeeping.ts runs it on a timer). Deliberately across
// tenants: expiry is the same rule for every tenant, and each table's `expires_at` index serves
// the sweep (docs/architecture.md lists these indexes as the ones that do not lead with tenant_id).
// Expired rows are already refused where they are read; this only keeps the tables small.
import { sql } from "./sql-fragment.js";
import type { UnitOfWork } from "./unit-of-work.js";

const EXPIRING_TABLES = [
  sql`auth_challenge`,
  sql`login_nonce`,
  sql`one_time_code`,
  sql`auth_request`,
  sql`authorization_code`,
  sql`refresh_token`,
  sql`revoked_access_token`,
  sql`rate_limit`,
  sql`pushed_authorization_request`,
  sql`used_jti`,
  sql`passkey_challenge`,
  sql`mfa_flow`,
];

/** Deletes every expired row; returns how many. Idempotent, so every instance may run it. */
export async function deleteExpiredRows(uow: UnitOfWork): Promise<number> {
  let deleted = 0;
  for (const table of EXPIRING_TABLES) {
    deleted += await uow.execute(sql`delete /* cross-tenant: housekeeping */ from ${table} where expires_at < now()`);
  }
  return deleted;
}
