// The key rotation state of the whole installation, for the metrics (operations/metrics.ts):
// aggregates over every tenant, never a tenant's id, so that the metric's labels stay bounded.
import type { MikroORM } from "@mikro-orm/postgresql";
import { sql } from "./sql-fragment.js";
import { UnitOfWork } from "./unit-of-work.js";

export type KeyState = "scheduled" | "published" | "active" | "retired";

export interface KeyRotationState {
  /** Keys by algorithm and state: scheduled (not yet published), published (not yet signing), active (signing or still valid), retired. */
  readonly keys: readonly { alg: string; state: KeyState; count: number }[];
  /** By algorithm: the age of the oldest key that is a tenant's newest active one (how overdue the most overdue rotation is). */
  readonly oldestCurrentKeySeconds: readonly { alg: string; seconds: number }[];
}

interface CountRow {
  alg: string;
  state: KeyState;
  count: number;
}

interface AgeRow {
  alg: string;
  seconds: number;
}

export async function keyRotationState(orm: MikroORM, now: Date): Promise<KeyRotationState> {
  const uow = new UnitOfWork(orm.em.fork());
  const keys = await uow.rows<CountRow>(sql`select alg, state, count(*)::int as count from (
      select alg, case when publish_at > ${now} then 'scheduled' when activate_at > ${now} then 'published'
        when retire_at is null or retire_at > ${now} then 'active' else 'retired' end as state
      from tenant_key /* cross-tenant: installation-wide counts for the metrics, no tenant named */) k
    group by alg, state order by alg, state`);
  const ages =
    await uow.rows<AgeRow>(sql`select alg, coalesce(extract(epoch from ${now}::timestamptz - min(current_at)), 0)::float8 as seconds from (
      select tenant_id, alg, max(activate_at) as current_at
      from tenant_key /* cross-tenant: installation-wide age for the metrics, no tenant named */
      where activate_at <= ${now} and (retire_at is null or retire_at > ${now}) group by tenant_id, alg) c
    group by alg order by alg`);
  return { keys, oldestCurrentKeySeconds: ages };
}
