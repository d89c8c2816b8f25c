// Step-1 state of logins and registrations (auth_challenge), kept server-side so that any instance
// can finish a run. Consuming is a single DELETE … RETURNING: a challenge is used at most once,
// whatever the outcome, even under concurrent attempts. The statements are also SQL fragments, so
// that the login can run them inside its own statements (login-repository.ts); registration runs
// them on the request's unit of work, inside the transaction that stores the credential.
import { type SqlFragment, sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

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

/** A challenge to store; the repository sets its tenant. */
export type NewChallenge = Omit<ChallengeRow, "expires_at" | "tenant_id"> & { ttlSeconds: number };

/** Stores the challenge, or, with `when` (a condition of the same statement), only if it holds. */
export function insertChallengeSql(tenantId: string, challenge: NewChallenge, when: SqlFragment = sql`true`): SqlFragment {
  const c = challenge;
  return sql`insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed,
       credential_id, auth_req_id, proto_version, expires_at, created_at)
     select ${c.id}::varchar, ${tenantId}::varchar, ${c.purpose}::varchar, ${c.username_normalized}::varchar, ${c.user_id}::uuid,
       ${c.ke1_hash}::bytea, ${c.server_state_sealed}::bytea, ${c.credential_id}::varchar, ${c.auth_req_id}::varchar,
       ${c.proto_version}::varchar, now() + make_interval(secs => ${c.ttlSeconds}), now()
     where ${when}`;
}

/**
 * Removes the challenge and returns it, whether or not it has expired; `tenantId` is an id, or an
 * expression of the statement that answers it (the login's first statement, login-repository.ts).
 */
export function consumeChallengeSql(tenantId: string | SqlFragment, id: string): SqlFragment {
  return sql`delete from auth_challenge where id = ${id} and tenant_id = ${tenantId} returning ${CHALLENGE_COLUMNS}`;
}

/** The challenges of one tenant on a unit of work (registration, reset, change). */
export class ChallengeRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  async insert(challenge: NewChallenge): Promise<void> {
    await this.uow.execute(insertChallengeSql(this.tenantId, challenge));
  }

  /** Removes and returns the challenge, whether or not it has expired (the caller decides). */
  consume(id: string): Promise<ChallengeRow | undefined> {
    return this.uow.first<ChallengeRow>(consumeChallengeSql(this.tenantId, id));
  }
}
