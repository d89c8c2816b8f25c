// The database side of a login: two statements per step, each reading or writing everything the
// step needs at that point (a login's cost is dominated by per-statement and per-request
// overhead, not by the work in Postgres — docs/performance.md; the statements of logins in
// flight at the same moment share round trips, persistence/pipelined-connection.ts). Every
// lookup is by primary key or unique index, and every statement names its tenant.
//
//   Get Challenge   1. the tenant's block_config, the throttle state of the guess, the user and
//                      credential                                  → admit or refuse, OPAQUE KE2
//                   2. count the guess (and block at the limit), store the challenge
//   Authenticate    1. consume the challenge, with the tenant's login settings → checks, KE3
//                   2. if the user is (still) enabled: forget the guesses, store the nonce
//                   — or, when this instance issued the challenge and still holds its state
//                   (pending-logins.ts): checks and KE3 first, then 1 and 2 as one statement
//
// The writing statements commit asynchronously (persistence/async-commit.ts): what they write is
// the login's short-lived bookkeeping, and waiting for each WAL flush roughly doubled a writing
// statement's round trip and cost Postgres about a fifth more CPU per login (bench/results/auth.md).
import type { BlockConfig } from "../../persistence/entities/tenant.js";
import { ASYNC_COMMIT, ASYNC_COMMIT_COLUMN } from "../../persistence/async-commit.js";
import { type SqlFragment, sql } from "../../persistence/sql-fragment.js";
import { type ChallengeRow, consumeChallengeSql, insertChallengeSql, type NewChallenge } from "./challenges.js";
import { countGuess, forgetGuesses, THROTTLE_STATE_COLUMNS, type ThrottleState, throttleStateJoins } from "./login-throttle.js";

/** Get Challenge, statement 1 (a row exactly when the tenant exists). */
export interface GuessStateRow extends ThrottleState {
  block_config: BlockConfig;
  login_order: string[];
  has_username_and_email: boolean;
  user_id: string | null;
  is_disabled: boolean | null;
  credential_id: string | null;
  record_sealed: Buffer | null;
  proto_version: string | null;
}

export function guessState(tenantId: string, username: string, ip: string): SqlFragment {
  return sql`select t.block_config, t.login_order, t.has_username_and_email, ${THROTTLE_STATE_COLUMNS},
      u.id as user_id, u.is_disabled, c.credential_id, c.record_sealed, c.proto_version
    from tenant t
    ${throttleStateJoins(username, ip)}
    left join app_user u on u.tenant_id = t.id and u.username_normalized = ${username}
    left join user_credential c on c.user_id = u.id and c.tenant_id = t.id
    where t.id = ${tenantId}`;
}

export interface Guess {
  readonly tenantId: string;
  readonly config: BlockConfig;
  readonly username: string;
  readonly ip: string;
}

/** Get Challenge, statement 2: counts the admitted guess and stores its challenge. */
export function countGuessAndStoreChallenge(guess: Guess, challenge: NewChallenge): SqlFragment {
  return sql`with ${ASYNC_COMMIT}, ${countGuess(guess.tenantId, guess.config, guess.username, guess.ip)},
    stored as (${insertChallengeSql(challenge)})
    select ${ASYNC_COMMIT_COLUMN}`;
}

/** Get Challenge, statement 2 when no challenge is issued (a KE1 OPAQUE refused): the guess still counts. */
export function countGuessOnly(guess: Guess): SqlFragment {
  return sql`with ${ASYNC_COMMIT}, ${countGuess(guess.tenantId, guess.config, guess.username, guess.ip)}
    select (select count(*) from counted) as counted, ${ASYNC_COMMIT_COLUMN}`;
}

/** Authenticate, statement 1 (a row exactly when the tenant exists; `id` is null without a challenge). */
export type ConsumedChallengeRow = { login_order: string[]; has_username_and_email: boolean } & (
  | ChallengeRow
  | { [K in keyof ChallengeRow]: null }
);

export function consumeLoginChallenge(tenantId: string, challengeId: string): SqlFragment {
  return sql`with ${ASYNC_COMMIT}, consumed as (${consumeChallengeSql(tenantId, challengeId)})
    select t.login_order, t.has_username_and_email, consumed.*, ${ASYNC_COMMIT_COLUMN}
    from tenant t left join consumed on true
    where t.id = ${tenantId}`;
}

export interface LoginSuccess {
  readonly tenantId: string;
  readonly userId: string;
  readonly username: string;
  readonly ip: string;
  readonly nonceHash: Buffer;
  readonly authReqId: string | null;
  readonly amr: readonly string[];
  readonly nonceTtlSeconds: number;
}

/** Authenticate, statement 2: a row exactly when the user exists and is enabled (else nothing is written). */
export interface CompletedLoginRow {
  is_verified: boolean;
  email: string | null;
}

export function completeLogin(success: LoginSuccess): SqlFragment {
  return sql`with ${ASYNC_COMMIT}, ${successCtes(success, sql`true`)}
    select is_verified, email, ${ASYNC_COMMIT_COLUMN} from enabled_user`;
}

/** Authenticate in one statement (a challenge this instance holds, already checked): a row always. */
export interface ConsumedAndCompletedRow {
  /** Whether the challenge was still there, unexpired, and is now consumed; else nothing else was written. */
  consumed: boolean;
  /** Null when not consumed, or when the user no longer exists or is disabled. */
  is_verified: boolean | null;
  email: string | null;
}

export function consumeAndCompleteLogin(success: LoginSuccess, challengeId: string): SqlFragment {
  return sql`with ${ASYNC_COMMIT}, consumed as (
      delete from auth_challenge where id = ${challengeId} and tenant_id = ${success.tenantId} and purpose = 'login'
      returning expires_at > now() as live),
    ${successCtes(success, sql`exists (select from consumed where live)`)}
    select exists (select from consumed where live) as consumed, enabled_user.is_verified, enabled_user.email, ${ASYNC_COMMIT_COLUMN}
    from (values (1)) as one left join enabled_user on true`;
}

/** Only if `condition` holds and the user is enabled: forget the guesses and store the nonce. */
function successCtes(s: LoginSuccess, condition: SqlFragment): SqlFragment {
  return sql`enabled_user as (
      select is_verified, email from app_user where id = ${s.userId} and tenant_id = ${s.tenantId} and not is_disabled and ${condition}),
    ${forgetGuesses(s.tenantId, s.username, s.ip, sql`enabled_user`)},
    nonce as (
      insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
      select ${s.nonceHash}::bytea, ${s.tenantId}::varchar, ${s.userId}::uuid, ${s.authReqId}::varchar, ${JSON.stringify(s.amr)}::jsonb,
        now() + make_interval(secs => ${s.nonceTtlSeconds}), now()
      from enabled_user)`;
}

/** Whether the tenant exists: for refusals that must still name an unknown tenant first. */
export function tenantExists(tenantId: string): SqlFragment {
  return sql`select 1 from tenant where id = ${tenantId}`;
}
