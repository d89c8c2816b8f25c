// The login throttle's writes (domain/login/login-throttle.ts holds its rules and says why it
// decides in the statement that counts): CTEs that the login's statements, the passkey sign-in's
// and the Entra MFA form's fold into their own, so that throttling adds no round trip of its own.
// Every statement names its tenant. The delay schedule lives here, next to the counting statement
// that looks it up, and the domain's first check reads the same schedule: one definition.
import type { BlockConfig } from "./entities/tenant.js";
import { type SqlFragment, sql } from "./sql-fragment.js";

const MAX_DELAY_SECONDS = 300;
const BLOCK_REASON = "too many failed logins";

/** The wait before the next guess of a username with `failures` failures: 2^(failures − free) s, capped. */
export function delaySeconds(failures: number, config: BlockConfig): number {
  return failures < config.user_free_attempts ? 0 : Math.min(2 ** (failures - config.user_free_attempts), MAX_DELAY_SECONDS);
}

/**
 * The delays by failure count, from `user_free_attempts` up to the block, for the counting
 * statement to look up (`[1]` is the delay after `user_free_attempts` failures): the rule above
 * stays the only one. As an int[] literal, made once per pair of settings (every guess sends it).
 */
function delayTable(config: BlockConfig): string {
  const key = `${config.user_free_attempts}/${config.user_block_after}`;
  let literal = delayTables.get(key);
  if (literal === undefined) {
    const table: number[] = [];
    for (let failures = config.user_free_attempts; failures < config.user_block_after; failures++) {
      table.push(delaySeconds(failures, config));
    }
    literal = `{${table.join(",")}}`;
    // Settings changed over and over cannot make it grow without end.
    if (delayTables.size >= MAX_DELAY_TABLES) delayTables.clear();
    delayTables.set(key, literal);
  }
  return literal;
}

/** Tenants' block settings are few: the table of each pair stays. */
const delayTables = new Map<string, string>();
const MAX_DELAY_TABLES = 256;

/** The statement that lifts the ended blocks of a username and an address, and forgets the counts that led to them. */
export function liftEndedBlocks(tenantId: string, username: string, ip: string): SqlFragment {
  return sql`with lifted_user as (
      delete from blocked_user where tenant_id = ${tenantId} and username = ${username} and blocked_until <= now()
      returning 'user' as kind, username as subject),
    lifted_ip as (
      delete from blocked_ip where tenant_id = ${tenantId} and ip = ${ip} and blocked_until <= now()
      returning 'ip' as kind, ip as subject)
    delete from login_throttle where tenant_id = ${tenantId}
      and (kind, subject) in (select kind, subject from lifted_user union all select kind, subject from lifted_ip)`;
}

/** What the counting statement answers about a guess (`COUNTED_GUESS_COLUMNS`). */
export interface CountedGuess {
  ip_admitted: boolean;
  /** Null when the address refused the guess (then the username was not asked). */
  user_admitted: boolean | null;
  user_failures: number | null;
  /** Only when the username refused the guess (what the refusal's wait counts from); else null. */
  user_last_failure_at: Date | string | null;
}

/**
 * CTEs (for a WITH list) that decide one guess on the latest counts and count it if admitted:
 * first the address (the counter of a window of `window_seconds`), then — only if the address
 * admits it — the username (since its last success), so that every guess locks the two rows in
 * the same order. The guess that reaches a limit blocks for the next ones. `GUESS_ADMITTED` says
 * whether both admitted it; select `COUNTED_GUESS_COLUMNS` from `COUNTED_GUESS` for the answer.
 *
 * The upserts cannot use `where` to refuse: their RETURNING, which shows only the new row, would
 * then be empty, and the refusal could not say how long to wait. So they always write, and
 * `last_admitted` carries the decision back.
 */
export function countGuess(tenantId: string, config: BlockConfig, username: string, ip: string): SqlFragment {
  const blockedUntil = config.block_seconds > 0 ? sql`now() + make_interval(secs => ${config.block_seconds})` : sql`null`;
  const windowOver = sql`t.window_start < now() - make_interval(secs => ${config.window_seconds})`;
  const ipAdmits = sql`(${windowOver} or t.failures < ${config.ip_block_after})`;
  const free = config.user_free_attempts;
  const userAdmits = sql`(t.failures < ${config.user_block_after} and (t.failures < ${free}
    or t.last_failure_at + make_interval(secs => (${delayTable(config)}::int[])[t.failures - ${free} + 1]) <= now()))`;
  return sql`ip_counted as (
    insert into login_throttle as t (tenant_id, kind, subject, failures, window_start, last_failure_at, last_admitted)
    values (${tenantId}, 'ip', ${ip}, 1, now(), now(), true)
    on conflict (tenant_id, kind, subject) do update set
      failures = case when ${windowOver} then 1 when ${ipAdmits} then t.failures + 1 else t.failures end,
      window_start = case when ${windowOver} then now() else t.window_start end,
      last_failure_at = case when ${ipAdmits} then now() else t.last_failure_at end,
      last_admitted = ${ipAdmits}
    returning failures, last_admitted as admitted),
  user_counted as (
    insert into login_throttle as t (tenant_id, kind, subject, failures, window_start, last_failure_at, last_admitted)
    select ${tenantId}::varchar, 'user', ${username}::varchar, 1, now(), now(), true from ip_counted where admitted
    on conflict (tenant_id, kind, subject) do update set
      failures = case when ${userAdmits} then t.failures + 1 else t.failures end,
      last_failure_at = case when ${userAdmits} then now() else t.last_failure_at end,
      last_admitted = ${userAdmits}
    returning failures, last_failure_at, last_admitted as admitted),
  block_ip as (
    insert into blocked_ip (tenant_id, ip, failures, reason, blocked_at, blocked_until)
    select ${tenantId}::varchar, ${ip}::varchar, failures, ${BLOCK_REASON}::varchar, now(), (${blockedUntil})::timestamptz
      from ip_counted where admitted and failures >= ${config.ip_block_after}
    on conflict (tenant_id, ip) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until),
  block_user as (
    insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until)
    select ${tenantId}::varchar, ${username}::varchar, failures, ${BLOCK_REASON}::varchar, now(), (${blockedUntil})::timestamptz
      from user_counted where admitted and failures >= ${config.user_block_after}
    on conflict (tenant_id, username) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until)`;
}

/** Whether the guess of `countGuess` was admitted (by the address and the username). */
export const GUESS_ADMITTED = sql`exists (select from user_counted where admitted)`;

/** The rows to select `COUNTED_GUESS_COLUMNS` from (exactly one). */
export const COUNTED_GUESS = sql`ip_counted left join user_counted on true`;

export const COUNTED_GUESS_COLUMNS = sql`ip_counted.admitted as ip_admitted, user_counted.admitted as user_admitted,
  user_counted.failures as user_failures,
  case when not user_counted.admitted then user_counted.last_failure_at end as user_last_failure_at`;

/**
 * CTEs (for a WITH list) for a successful login, applied only when `guard` (the name of a CTE of
 * the same statement) has a row, in `tenantId`'s tenant (an id, or an expression of the statement
 * that answers it): the username starts afresh, and the address's guess is taken back. The guess
 * that reached the block threshold may have been the right one: then the owner is in, and the
 * block it triggered is lifted too. The address's row is locked first, as by a
 * guess (`countGuess`), so that a login and a guess from the same address cannot deadlock (the
 * always true `count(*) >= 0` conditions only put the CTEs in that order).
 */
export function forgetGuesses(tenantId: string | SqlFragment, username: string, ip: string, guard: SqlFragment): SqlFragment {
  return sql`take_back_ip as (
    update login_throttle set failures = greatest(failures - 1, 0)
     where tenant_id = ${tenantId} and kind = 'ip' and subject = ${ip} and exists (select from ${guard})
     returning 1),
  forget_user as (
    delete from login_throttle where tenant_id = ${tenantId} and kind = 'user' and subject = ${username} and exists (select from ${guard})
      and (select count(*) from take_back_ip) >= 0
     returning 1),
  unblock_user as (
    delete from blocked_user where tenant_id = ${tenantId} and username = ${username} and exists (select from ${guard})
      and (select count(*) from forget_user) >= 0)`;
}
