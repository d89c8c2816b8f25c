// The audit trail of authentication attempts (auth_event), written in batches by
// domain/login/auth-events.ts. A batch is one INSERT of one column array per column (unnest), so
// every batch size is the same prepared statement (plain-sql.ts); it runs on the hot path's plain
// statements, outside any request. A batch mixes tenants: each row names its own tenant. Texts
// are cut to their columns' widths here, so that one long value cannot fail a whole batch.
import type { PlainSql } from "../plain-sql.js";
import { sql } from "../sql-fragment.js";

export interface AuthEventRow {
  readonly tenantId: string;
  /** When, in epoch milliseconds (`Date.now()`). */
  readonly atMs: number;
  readonly kind: string;
  readonly outcome: string;
  readonly reason: string;
  readonly username: string;
  readonly userId: string | null;
  readonly ip: string;
  readonly userAgent: string;
  readonly clientId: string | null;
  /** JSON text, or null. */
  readonly logData: string | null;
}

export class AuthEventLog {
  constructor(private readonly db: PlainSql) {}

  async append(batch: readonly AuthEventRow[]): Promise<void> {
    const column = <T>(of: (event: AuthEventRow) => T) => batch.map(of);
    // Times go as epoch milliseconds and Postgres makes the timestamps: `toISOString` cost ≈ 7 k
    // instructions per event (two events per login), and a float8 of milliseconds ÷ 1000 is
    // exact to the microsecond (test/login/audit.test.ts compares them).
    await this.db.rows(sql`insert into auth_event (tenant_id, at, kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data)
        select tenant_id, to_timestamp(at_ms / 1000), kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data
        from unnest(${column((e) => e.tenantId)}::varchar[], ${column((e) => e.atMs)}::float8[],
          ${column((e) => e.kind)}::varchar[], ${column((e) => e.outcome)}::varchar[], ${column((e) => e.reason.slice(0, 64))}::varchar[],
          ${column((e) => e.username.slice(0, 128))}::varchar[], ${column((e) => e.userId)}::uuid[],
          ${column((e) => e.ip.slice(0, 45))}::varchar[], ${column((e) => e.userAgent.slice(0, 512))}::varchar[],
          ${column((e) => e.clientId)}::varchar[], ${column((e) => e.logData)}::jsonb[])
          as e(tenant_id, at_ms, kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data)`);
  }
}
