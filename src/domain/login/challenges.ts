// Step-1 state of logins and registrations, kept server-side so that any instance can finish a
// run. Consuming is a single DELETE … RETURNING: a challenge is used at most once, whatever the
// outcome, even under concurrent attempts. The statements are also SQL fragments, so that the
// login can run them inside its own statements (login-statements.ts).
import type { EntityManager } from "@mikro-orm/postgresql";
import { executeSql } from "../../persistence/execute-sql.js";
import { type SqlFragment, sql } from "../../persistence/sql-fragment.js";

export type ChallengePurpose = "login" | "register" | "change";

export interface ChallengeRow {
  id: string;
  tenant_id: string;
  purpose: ChallengePurpose;
  username_normalized: string;
  user_id: string | null;
  ke1_hash: Buffer | null;
  server_state_sealed: Buffer | null;
  credential_id: string | null;
  auth_req_id: string | null;
  proto_version: string;
  expires_at: Date;
}

/** The columns of a `ChallengeRow`, named (statements may be prepared: their result shape is fixed). */
export const CHALLENGE_COLUMNS = sql`id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed, credential_id,
  auth_req_id, proto_version, expires_at`;

export type NewChallenge = Omit<ChallengeRow, "expires_at"> & { ttlSeconds: number };

export function insertChallengeSql(challenge: NewChallenge): SqlFragment {
  const c = challenge;
  return sql`insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed,
       credential_id, auth_req_id, proto_version, expires_at, created_at)
     values (${c.id}, ${c.tenant_id}, ${c.purpose}, ${c.username_normalized}, ${c.user_id}, ${c.ke1_hash}, ${c.server_state_sealed},
       ${c.credential_id}, ${c.auth_req_id}, ${c.proto_version}, now() + make_interval(secs => ${c.ttlSeconds}), now())`;
}

/** Removes the challenge and returns it, whether or not it has expired. */
export function consumeChallengeSql(tenantId: string, id: string): SqlFragment {
  return sql`delete from auth_challenge where id = ${id} and tenant_id = ${tenantId} returning ${CHALLENGE_COLUMNS}`;
}

/** A consumed challenge is usable only before it expires. */
export function isUnexpired(row: Pick<ChallengeRow, "expires_at">): boolean {
  return new Date(row.expires_at).getTime() > Date.now();
}

export async function insertChallenge(em: EntityManager, challenge: NewChallenge): Promise<void> {
  const statement = insertChallengeSql(challenge);
  await executeSql(em, statement.text, statement.values, "run");
}

/** Removes and returns the challenge if it exists in the tenant and has not expired. */
export async function consumeChallenge(em: EntityManager, tenantId: string, id: string): Promise<ChallengeRow | undefined> {
  const statement = consumeChallengeSql(tenantId, id);
  const [row] = (await executeSql(em, statement.text, statement.values)) as ChallengeRow[];
  return row && isUnexpired(row) ? row : undefined;
}
