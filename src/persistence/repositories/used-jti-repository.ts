// The replay cache of one-time JWTs (client assertions, DPoP proofs) of one tenant, shared by
// every instance through the database: a `jti` (hashed with what scopes it, e.g. the client or
// the key) is claimed once until its expiry; an expired claim may be taken again.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

export class UsedJtiRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** True when this is the first use of `hash` before `expiresAt`; false for a replay. */
  async claim(hash: Buffer, expiresAt: Date, now: Date): Promise<boolean> {
    const rows = await this.uow.rows<{ claimed: number }>(sql`insert into used_jti (tenant_id, hash, expires_at)
      values (${this.tenantId}, ${hash}, ${expiresAt})
      on conflict (tenant_id, hash) do update set expires_at = excluded.expires_at where used_jti.expires_at <= ${now}
      returning 1 as claimed`);
    return rows.length > 0;
  }
}
