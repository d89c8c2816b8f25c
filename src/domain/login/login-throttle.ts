// Throttling of login guesses (docs/login-protocol.md §8). Every login Get Challenge is a guess —
// the client learns the outcome from KE2 alone — so it is counted there, for the username and for
// the client address; a successful Authenticate takes the count back. Past the tenant's limits a
// caller first waits (growing delays), then is blocked; blocks land in the blocker lists.
//
// The rules are plain functions over the state; the reads and writes are SQL fragments that the
// login folds into its own statements (login-statements.ts), so that throttling adds no round
// trip of its own to a login.
import { Code, DomainError } from "../../errors/domain-error.js";
import type { BlockConfig } from "../../persistence/entities/tenant.js";
import { type SqlFragment, sql } from "../../persistence/sql-fragment.js";

const MAX_DELAY_SECONDS = 300;
const BLOCK_REASON = "too many failed logins";

/** Every block and counter that decides whether to admit a guess (columns of `throttleStateJoins`). */
export interface ThrottleState {
  user_blocked: boolean;
  user_blocked_until: Date | string | null;
  ip_blocked: boolean;
  ip_blocked_until: Date | string | null;
  user_failures: number | null;
  user_last_failure_at: Date | string | null;
}

export const THROTTLE_STATE_COLUMNS = sql`bu.username is not null as user_blocked, bu.blocked_until as user_blocked_until,
  bi.ip is not null as ip_blocked, bi.blocked_until as ip_blocked_until,
  lt.failures as user_failures, lt.last_failure_at as user_last_failure_at`;

/** Joins onto the tenant row `t` that read the `ThrottleState` of a guess (each by its primary key). */
export function throttleStateJoins(username: string, ip: string): SqlFragment {
  return sql`left join blocked_user bu on bu.tenant_id = t.id and bu.username = ${username}
  left join blocked_ip bi on bi.tenant_id = t.id and bi.ip = ${ip}
  left join login_throttle lt on lt.tenant_id = t.id and lt.kind = 'user' and lt.subject = ${username}`;
}

export function tooManyAttempts(message: string, retryAfterSeconds?: number): DomainError {
  return new DomainError(Code.ResourceExhausted, retryAfterSeconds ? "SLOW_DOWN" : "BLOCKED", message, {
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
}

const timeOf = (value: Date | string) => new Date(value).getTime();

/**
 * Admits one guess, or throws ResourceExhausted (429). Returns whether the username's block has
 * expired: then it must be lifted (`liftExpiredUserBlock`), and its old count no longer applies.
 */
export function admitGuess(state: ThrottleState, config: BlockConfig, now: number): { expiredUserBlock: boolean } {
  const active = (blocked: boolean, until: Date | string | null) => blocked && (until === null || timeOf(until) > now);
  if (active(state.user_blocked, state.user_blocked_until) || active(state.ip_blocked, state.ip_blocked_until)) {
    throw tooManyAttempts("Too many failed attempts: this account or address is blocked. Try later or ask an administrator.");
  }
  const expiredUserBlock = state.user_blocked;
  const failures = state.user_failures ?? 0;
  if (!expiredUserBlock && state.user_last_failure_at !== null && failures >= config.user_free_attempts) {
    const delaySeconds = Math.min(2 ** (failures - config.user_free_attempts), MAX_DELAY_SECONDS);
    const waitMs = timeOf(state.user_last_failure_at) + delaySeconds * 1000 - now;
    if (waitMs > 0) throw tooManyAttempts("Too many failed attempts: wait before trying again.", Math.ceil(waitMs / 1000));
  }
  return { expiredUserBlock };
}

/** The statement that lifts an expired block of a username, and forgets the count that led to it. */
export function liftExpiredUserBlock(tenantId: string, username: string): SqlFragment {
  return sql`with lift as (delete from blocked_user where tenant_id = ${tenantId} and username = ${username} and blocked_until <= now())
    delete from login_throttle where tenant_id = ${tenantId} and kind = 'user' and subject = ${username}`;
}

/**
 * CTEs (for a WITH list) that count one admitted guess for the username and the address, and
 * block whichever reaches its limit — for the next guesses. Usernames count since their last
 * success; addresses count within the tenant's window.
 */
export function countGuess(tenantId: string, config: BlockConfig, username: string, ip: string): SqlFragment {
  const blockedUntil = config.block_seconds > 0 ? sql`now() + make_interval(secs => ${config.block_seconds})` : sql`null`;
  const window = config.window_seconds;
  return sql`counted as (
    insert into login_throttle as t (tenant_id, kind, subject, failures, window_start, last_failure_at)
    values (${tenantId}, 'user', ${username}, 1, now(), now()), (${tenantId}, 'ip', ${ip}, 1, now(), now())
    on conflict (tenant_id, kind, subject) do update set
      failures = case when t.kind = 'ip' and t.window_start < now() - make_interval(secs => ${window}) then 1 else t.failures + 1 end,
      window_start = case when t.kind = 'ip' and t.window_start < now() - make_interval(secs => ${window}) then now() else t.window_start end,
      last_failure_at = now()
    returning kind, failures),
  block_user as (
    insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until)
    select ${tenantId}::varchar, ${username}::varchar, failures, ${BLOCK_REASON}::varchar, now(), (${blockedUntil})::timestamptz
      from counted where kind = 'user' and failures >= ${config.user_block_after}
    on conflict (tenant_id, username) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until),
  block_ip as (
    insert into blocked_ip (tenant_id, ip, failures, reason, blocked_at, blocked_until)
    select ${tenantId}::varchar, ${ip}::varchar, failures, ${BLOCK_REASON}::varchar, now(), (${blockedUntil})::timestamptz
      from counted where kind = 'ip' and failures >= ${config.ip_block_after}
    on conflict (tenant_id, ip) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until)`;
}

/**
 * CTEs (for a WITH list) for a successful login, applied only when `guard` (the name of a CTE of
 * the same statement) has a row: the username starts afresh, and the address's guess is taken
 * back. The guess that reached the block threshold may have been the right one: then the owner
 * is in, and the block it triggered is lifted too.
 */
export function forgetGuesses(tenantId: string, username: string, ip: string, guard: SqlFragment): SqlFragment {
  return sql`forget_user as (
    delete from login_throttle where tenant_id = ${tenantId} and kind = 'user' and subject = ${username} and exists (select from ${guard})),
  unblock_user as (
    delete from blocked_user where tenant_id = ${tenantId} and username = ${username} and exists (select from ${guard})),
  take_back_ip as (
    update login_throttle set failures = greatest(failures - 1, 0)
     where tenant_id = ${tenantId} and kind = 'ip' and subject = ${ip} and exists (select from ${guard}))`;
}
