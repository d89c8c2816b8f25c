// The peer's production-shaped storage: an oidc-provider adapter on Postgres, the shape its
// documentation suggests for SQL databases — one table, rows keyed by (model, id) with the
// payload as JSONB, plus the columns the lookups by grant, user code and uid need (each indexed).
// Every statement goes through `run`, which counts it, so that the harness can report the
// peer's statements per request as it does svault's (bench/auth-bench-server.ts).
import type pg from "pg";

interface AdapterPayload {
  readonly grantId?: string;
  readonly userCode?: string;
  readonly uid?: string;
  readonly [key: string]: unknown;
}

export class StatementCounter {
  count = 0;
}

export async function createSchema(pool: pg.Pool): Promise<void> {
  await pool.query(`create table if not exists oidc_payload (
    model text not null, id text not null, payload jsonb not null, grant_id text, user_code text, uid text,
    expires_at timestamptz, consumed_at timestamptz, primary key (model, id))`);
  await pool.query("create index if not exists oidc_payload_grant on oidc_payload (grant_id)");
  await pool.query("create index if not exists oidc_payload_user_code on oidc_payload (user_code)");
  await pool.query("create index if not exists oidc_payload_uid on oidc_payload (uid)");
}

/** The adapter class oidc-provider instantiates once per model name. */
export function postgresAdapter(pool: pg.Pool, counter: StatementCounter) {
  const run = (text: string, values: unknown[]) => {
    counter.count++;
    return pool.query(text, values);
  };
  return class PostgresAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await run(
        `insert into oidc_payload (model, id, payload, grant_id, user_code, uid, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [
          this.model,
          id,
          payload,
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        ],
      );
    }

    private async findBy(column: "id" | "user_code" | "uid", value: string): Promise<AdapterPayload | undefined> {
      const { rows } = await run(
        `select payload, consumed_at from oidc_payload where model = $1 and ${column} = $2
           and (expires_at is null or expires_at > now())`,
        [this.model, value],
      );
      const row = rows[0] as { payload: AdapterPayload; consumed_at: Date | null } | undefined;
      if (!row) return undefined;
      return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
    }

    find(id: string) {
      return this.findBy("id", id);
    }

    findByUserCode(userCode: string) {
      return this.findBy("user_code", userCode);
    }

    findByUid(uid: string) {
      return this.findBy("uid", uid);
    }

    async consume(id: string): Promise<void> {
      await run("update oidc_payload set consumed_at = now() where model = $1 and id = $2", [this.model, id]);
    }

    async destroy(id: string): Promise<void> {
      await run("delete from oidc_payload where model = $1 and id = $2", [this.model, id]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await run("delete from oidc_payload where grant_id = $1", [grantId]);
    }
  };
}
