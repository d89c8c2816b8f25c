// The token tables of a deployment that has been running for a while, for the benchmarks that
// time the token path. A benchmark that starts on empty tables measures something no deployment
// sees: tables growing from a few rows to thousands within its window, and Postgres plans made
// while they were tiny (a prepared statement's generic plan is kept for the connection's life,
// and only ANALYZE — autovacuum's, in production — makes Postgres plan it again). So the benches
// add a history of retired grants copied from the fixtures' own rows (column lists taken from the
// table itself, so a new column needs no change here) and then ANALYZE (BenchDatabase.analyze).
import { withClient } from "./database.js";

/** How many retired refresh tokens the history holds; four per retired grant (family). */
export const HISTORY_REFRESH_TOKENS = 20_000;

/**
 * svault: HISTORY_REFRESH_TOKENS / 4 revoked token families of `tenantId`, each with four rotated
 * (retired) refresh tokens, copied from the tenant's first family and token.
 */
export async function seedSvaultTokenHistory(databaseUrl: string, tenantId: string): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const families = HISTORY_REFRESH_TOKENS / 4;
    await client.query(
      `insert into token_family
       select (jsonb_populate_record(null::token_family,
                 to_jsonb(f) || jsonb_build_object('id', 'history-' || g, 'revoked_at', now()))).*
       from (select * from token_family where tenant_id = $1 limit 1) f, generate_series(1, $2::int) g`,
      [tenantId, families],
    );
    const { rowCount } = await client.query(
      `insert into refresh_token
       select (jsonb_populate_record(null::refresh_token,
                 to_jsonb(r) || jsonb_build_object('hash', '\\x' || encode(sha256(('history-' || g)::bytea), 'hex'),
                   'family_id', 'history-' || (1 + g % $2::int), 'rotated_at', now(), 'successor_hash', null))).*
       from (select * from refresh_token where tenant_id = $1 limit 1) r, generate_series(1, $3::int) g`,
      [tenantId, families, HISTORY_REFRESH_TOKENS],
    );
    return rowCount ?? 0;
  });
}

/** The peer (bench/peer/pg-adapter.ts): as many consumed refresh-token payloads, copied from its first. */
export async function seedPeerTokenHistory(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const { rowCount } = await client.query(
      `insert into oidc_payload (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
       select p.model, 'history-' || g, p.payload, 'history-' || (1 + g % ($1::int / 4)), null, null, p.expires_at, now()
       from (select * from oidc_payload where model = 'RefreshToken' limit 1) p, generate_series(1, $1::int) g`,
      [HISTORY_REFRESH_TOKENS],
    );
    return rowCount ?? 0;
  });
}
