// The floor server's two ways of keeping a login between its steps (bench/auth-floor-server.ts,
// FLOOR_DB): nothing written, or svault's statements (three, or the two a stateless challenge would
// need) on svault's own pipelined Postgres client, its writes committed asynchronously as svault's.
import { createHash } from "node:crypto";
import pg from "pg";
import { keyEncryptionKeyOf, keyringOf } from "../../src/crypto/key-encryption-key.js";
import { seal } from "../../src/crypto/secret-box.js";
import { openRecord } from "../../src/domain/login/credentials.js";
import { createLogger } from "../../src/logging/logger.js";
import { StatementPipelines } from "../../src/persistence/statement-pipelines.js";
import type { CeilingMaterial, OpaqueCeiling } from "../opaque-ceiling.js";

const CHALLENGE_TTL_SECONDS = 60;
/** The writes commit asynchronously, as svault's login bookkeeping does (src/persistence/async-commit.ts). */
const ASYNC_COMMIT_CTE = "async_commit as (select set_config('synchronous_commit', 'off', true) as setting)";

/** What a login needs of the user at Get Challenge, and how Authenticate finds its challenge again. */
export interface LoginStore {
  /** The user's OPAQUE record and credential id; undefined for an unknown user. */
  record(username: string): Promise<{ registrationRecord: string; userIdentifier: string } | undefined>;
  hold(challengeId: string, username: string, serverLoginState: string): Promise<void>;
  /** The challenge's OPAQUE state, taken from memory (single use); undefined when there is none for `username`. */
  take(challengeId: string, username: string): string | undefined;
  /** Consumes the challenge and stores the nonce (its hash); false when another request consumed it first. */
  complete(challengeId: string, username: string, nonce: string): Promise<boolean>;
}

/** Pending logins in memory, as src/domain/login/pending-logins.ts keeps them for Authenticate. */
function pendingLogins() {
  const pending = new Map<string, { username: string; state: string }>();
  return {
    keep(challengeId: string, username: string, state: string): void {
      pending.set(challengeId, { username, state });
    },
    take(challengeId: string, username: string): string | undefined {
      const held = pending.get(challengeId);
      pending.delete(challengeId);
      return held?.username === username ? held.state : undefined;
    },
  };
}

/** Nothing written: the pending login in a Map, the record from memory. */
export function memoryStore(ceiling: OpaqueCeiling): LoginStore {
  const pending = pendingLogins();
  return {
    record: async (username) => ceiling.logins.get(username),
    async hold(challengeId, username, state) {
      pending.keep(challengeId, username, state);
    },
    take: pending.take,
    complete: async () => true,
  };
}

/**
 * svault's three statements (or two: FLOOR_DB in bench/auth-floor-server.ts), the state also held
 * in memory for Authenticate.
 */
export async function postgresStore(material: CeilingMaterial, statements: 2 | 3): Promise<LoginStore> {
  const keyring = keyringOf(keyEncryptionKeyOf(Buffer.from(material.kek, "base64")));
  const setup = new pg.Client({ connectionString: material.databaseUrl });
  await setup.connect();
  await setup.query(`create table if not exists floor_challenge (
    id text primary key, tenant_id text not null, username text not null, state_sealed bytea not null, expires_at timestamptz not null)`);
  await setup.query(`create table if not exists floor_nonce (
    nonce_hash bytea primary key, tenant_id text not null, username text not null, expires_at timestamptz not null)`);
  await setup.query(
    `create table if not exists floor_spent (id text primary key, tenant_id text not null, expires_at timestamptz not null)`,
  );
  await setup.end();
  // svault's own client as the service sets it up: DATABASE_PIPELINES' default of 2 pipelined
  // connections, each statement to the one with the fewest in flight, the statements of a tick in
  // one write (src/persistence/statement-pipelines.ts).
  const connection = new StatementPipelines({ connectionString: material.databaseUrl }, 2, 10_000, createLogger("warn"));
  const tenant = material.tenantId;
  const pending = pendingLogins();
  return {
    async record(username) {
      const rows = (await connection.run({
        name: "floor-record",
        text: `select u.id, c.credential_id, c.record_sealed from app_user u join user_credential c on c.user_id = u.id
                where u.tenant_id = $1 and u.username_normalized = $2`,
        values: [tenant, username],
      })) as { id: string; credential_id: string; record_sealed: Buffer }[];
      const row = rows[0];
      return row && { registrationRecord: openRecord(keyring, tenant, row.id, row.record_sealed), userIdentifier: row.credential_id };
    },
    async hold(challengeId, username, state) {
      const sealed = seal(keyring, Buffer.from(state), `floor:${challengeId}`);
      pending.keep(challengeId, username, state);
      if (statements === 2) return;
      await connection.run({
        name: "floor-hold",
        text: `with ${ASYNC_COMMIT_CTE}
               insert into floor_challenge (id, tenant_id, username, state_sealed, expires_at)
               select $1, $2, $3, $4, now() + make_interval(secs => $5) from async_commit`,
        values: [challengeId, tenant, username, sealed, CHALLENGE_TTL_SECONDS],
      });
    },
    take: pending.take,
    async complete(challengeId, username, nonce) {
      const nonceHash = createHash("sha256").update(nonce).digest();
      const rows = await connection.run(
        statements === 2
          ? {
              name: "floor-spend",
              text: `with ${ASYNC_COMMIT_CTE}, spent as (insert into floor_spent (id, tenant_id, expires_at) values ($1, $2, now() + make_interval(secs => $5))
                                on conflict do nothing returning 1)
               insert into floor_nonce (nonce_hash, tenant_id, username, expires_at)
               select $4, $2, $3, now() + make_interval(secs => $5) from spent, async_commit returning 1`,
              values: [challengeId, tenant, username, nonceHash, CHALLENGE_TTL_SECONDS],
            }
          : {
              name: "floor-complete",
              text: `with ${ASYNC_COMMIT_CTE}, taken as (delete from floor_challenge where id = $1 and tenant_id = $2 and username = $3 and expires_at > now() returning 1)
               insert into floor_nonce (nonce_hash, tenant_id, username, expires_at)
               select $4, $2, $3, now() + make_interval(secs => $5) from taken, async_commit returning 1`,
              values: [challengeId, tenant, username, nonceHash, CHALLENGE_TTL_SECONDS],
            },
      );
      return rows.length === 1;
    },
  };
}
