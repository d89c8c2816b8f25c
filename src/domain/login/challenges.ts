// Step-1 state of logins and registrations, kept server-side so that any instance can finish a
// run. Consuming is a single DELETE … RETURNING: a challenge is used at most once, whatever the
// outcome, even under concurrent attempts.
import type { EntityManager } from "@mikro-orm/postgresql";

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

export type NewChallenge = Omit<ChallengeRow, "expires_at"> & { ttlSeconds: number };

export async function insertChallenge(em: EntityManager, challenge: NewChallenge): Promise<void> {
  await em.getConnection().execute(
    `insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed,
       credential_id, auth_req_id, proto_version, expires_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?), now())`,
    [
      challenge.id,
      challenge.tenant_id,
      challenge.purpose,
      challenge.username_normalized,
      challenge.user_id,
      challenge.ke1_hash,
      challenge.server_state_sealed,
      challenge.credential_id,
      challenge.auth_req_id,
      challenge.proto_version,
      challenge.ttlSeconds,
    ],
    "run",
  );
}

/** Removes and returns the challenge if it exists in the tenant and has not expired. */
export async function consumeChallenge(em: EntityManager, tenantId: string, id: string): Promise<ChallengeRow | undefined> {
  const rows = (await em
    .getConnection()
    .execute("delete from auth_challenge where id = ? and tenant_id = ? returning *", [id, tenantId])) as ChallengeRow[];
  const row = rows[0];
  return row && new Date(row.expires_at).getTime() > Date.now() ? row : undefined;
}
