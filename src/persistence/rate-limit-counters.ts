// The shared counters of the rate limits outside the login (domain/ratelimit/rate-limiter.ts holds
// their rules): rows of `rate_limit` keyed by scope (a tenant id, or "" across tenants), kind and
// subject, counted in fixed windows. `rate_limit` is not tenant-owned (no foreign key to a tenant:
// a counter across tenants has none); a tenant's counters carry its id in `scope`.
//
// One upsert per check returns the new counts, so parallel requests, at any instance, each get
// their own count. Plain pipelined statements (plain-sql.ts) that commit asynchronously, like the
// login's bookkeeping (async-commit.ts): a crash of the database server may forget the last
// fraction of a second of counts. The time is the caller's (an injectable clock), not the database's.
import { ASYNC_COMMIT, ASYNC_COMMIT_COLUMN } from "./async-commit.js";
import type { PlainSql } from "./plain-sql.js";
import { sql } from "./sql-fragment.js";

/** One event to count in a counter. */
export interface CounterHit {
  readonly scope: string;
  readonly kind: string;
  readonly subject: string;
  readonly windowSeconds: number;
}

/** A counter after the count. */
export interface CounterState {
  readonly scope: string;
  readonly kind: string;
  readonly subject: string;
  readonly hits: number;
  readonly expiresAt: Date;
}

interface CountedRow {
  scope: string;
  kind: string;
  subject: string;
  hits: number;
  expires_at: Date | string;
}

/** Where the counters live: this module's table, or (in the rules' unit tests) a model of it. */
export interface RateLimitCounterStore {
  /** Counts one event in each counter (at most one hit per counter); answers the counters after the count. */
  count(hits: readonly CounterHit[], now: Date): Promise<CounterState[]>;
}

export class RateLimitCounters implements RateLimitCounterStore {
  constructor(private readonly db: PlainSql) {}

  /** Counts one event in each counter (at most one hit per counter), locking their rows in key order. */
  async count(hits: readonly CounterHit[], now: Date): Promise<CounterState[]> {
    const rows = await this.db.rows<CountedRow>(sql`with ${ASYNC_COMMIT}, counted as (
      insert into rate_limit as r (scope, kind, subject, hits, expires_at)
      select b.scope, b.kind, b.subject, 1, ${now}::timestamptz + make_interval(secs => b.window_seconds)
        from unnest(${hits.map((b) => b.scope)}::varchar[], ${hits.map((b) => b.kind)}::varchar[],
          ${hits.map((b) => b.subject)}::varchar[], ${hits.map((b) => b.windowSeconds)}::int[]) as b(scope, kind, subject, window_seconds)
        order by b.scope, b.kind, b.subject
      on conflict (scope, kind, subject) do update set
        hits = case when r.expires_at <= ${now}::timestamptz then 1 else r.hits + 1 end,
        expires_at = case when r.expires_at <= ${now}::timestamptz then excluded.expires_at else r.expires_at end
      returning scope, kind, subject, hits, expires_at)
    select scope, kind, subject, hits, expires_at, ${ASYNC_COMMIT_COLUMN} from counted`);
    return rows.map((row) => ({
      scope: row.scope,
      kind: row.kind,
      subject: row.subject,
      hits: row.hits,
      expiresAt: row.expires_at instanceof Date ? row.expires_at : new Date(row.expires_at),
    }));
  }
}
