// Throttling of login guesses (docs/login-protocol.md §8). Every login Get Challenge is a guess —
// the client learns the outcome from KE2 alone — so it is counted there, for the username and for
// the client address; a successful Authenticate takes the count back. Past the tenant's limits a
// caller first waits (growing delays), then is blocked; blocks land in the blocker lists.
import type { EntityManager } from "@mikro-orm/postgresql";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { BlockConfig } from "../../persistence/entities/tenant.js";

const MAX_DELAY_SECONDS = 300;

interface ThrottleRow {
  kind: "blocked_user" | "blocked_ip" | "user";
  until: Date | null;
  failures: number;
  last: Date | null;
}

// One round trip for every block and counter that decides whether to admit a guess.
const STATE_QUERY = `
  select 'blocked_user' as kind, blocked_until as until, 0 as failures, null::timestamptz as last
    from blocked_user where tenant_id = ? and username = ?
  union all
  select 'blocked_ip', blocked_until, 0, null from blocked_ip where tenant_id = ? and ip = ?
  union all
  select 'user', null, failures, last_failure_at from login_throttle where tenant_id = ? and kind = 'user' and subject = ?`;

// Counts one guess for the username and the address. Usernames count since their last success;
// addresses count within the tenant's window.
const COUNT_QUERY = `
  insert into login_throttle as t (tenant_id, kind, subject, failures, window_start, last_failure_at)
  values (?, 'user', ?, 1, now(), now()), (?, 'ip', ?, 1, now(), now())
  on conflict (tenant_id, kind, subject) do update set
    failures = case when t.kind = 'ip' and t.window_start < now() - make_interval(secs => ?) then 1 else t.failures + 1 end,
    window_start = case when t.kind = 'ip' and t.window_start < now() - make_interval(secs => ?) then now() else t.window_start end,
    last_failure_at = now()
  returning kind, failures`;

export function tooManyAttempts(message: string, retryAfterSeconds?: number): DomainError {
  return new DomainError(Code.ResourceExhausted, retryAfterSeconds ? "SLOW_DOWN" : "BLOCKED", message, {
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
}

export class LoginThrottle {
  /**
   * Admits one login guess of `username` from `ip`, or throws ResourceExhausted (429) without
   * counting it. Admitted guesses are counted, and may block the username or the address for
   * the next ones.
   */
  async admit(em: EntityManager, tenantId: string, config: BlockConfig, username: string, ip: string): Promise<void> {
    const connection = em.getConnection();
    const now = Date.now();
    const rows = (await connection.execute(STATE_QUERY, [tenantId, username, tenantId, ip, tenantId, username])) as ThrottleRow[];
    let expiredUserBlock = false;
    for (const row of rows) {
      if (row.kind === "user") continue;
      const active = row.until === null || new Date(row.until).getTime() > now;
      if (active) throw tooManyAttempts("Too many failed attempts: this account or address is blocked. Try later or ask an administrator.");
      if (row.kind === "blocked_user") expiredUserBlock = true;
    }
    if (expiredUserBlock) await this.liftExpiredUserBlock(em, tenantId, username);
    const counter = expiredUserBlock ? undefined : rows.find((row) => row.kind === "user");
    if (counter?.last && counter.failures >= config.user_free_attempts) {
      const delaySeconds = Math.min(2 ** (counter.failures - config.user_free_attempts), MAX_DELAY_SECONDS);
      const waitMs = new Date(counter.last).getTime() + delaySeconds * 1000 - now;
      if (waitMs > 0) throw tooManyAttempts("Too many failed attempts: wait before trying again.", Math.ceil(waitMs / 1000));
    }

    const counts = (await connection.execute(COUNT_QUERY, [
      tenantId,
      username,
      tenantId,
      ip,
      config.window_seconds,
      config.window_seconds,
    ])) as { kind: "user" | "ip"; failures: number }[];
    const blockedUntil = config.block_seconds > 0 ? new Date(now + config.block_seconds * 1000) : null;
    for (const { kind, failures } of counts) {
      if (kind === "user" && failures >= config.user_block_after) {
        await connection.execute(
          `insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until) values (?, ?, ?, ?, now(), ?)
           on conflict (tenant_id, username) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until`,
          [tenantId, username, failures, "too many failed logins", blockedUntil],
          "run",
        );
      }
      if (kind === "ip" && failures >= config.ip_block_after) {
        await connection.execute(
          `insert into blocked_ip (tenant_id, ip, failures, reason, blocked_at, blocked_until) values (?, ?, ?, ?, now(), ?)
           on conflict (tenant_id, ip) do update set failures = excluded.failures, blocked_at = now(), blocked_until = excluded.blocked_until`,
          [tenantId, ip, failures, "too many failed logins", blockedUntil],
          "run",
        );
      }
    }
  }

  /** A successful login: the username starts afresh, and the address's guess is taken back. */
  async recordSuccess(em: EntityManager, tenantId: string, username: string, ip: string): Promise<void> {
    // The guess that reached the block threshold may have been the right one: then the owner is
    // in, and the block it triggered is lifted too.
    await em.getConnection().execute(
      `with forget_user as (delete from login_throttle where tenant_id = ? and kind = 'user' and subject = ?),
            unblock_user as (delete from blocked_user where tenant_id = ? and username = ?)
       update login_throttle set failures = greatest(failures - 1, 0) where tenant_id = ? and kind = 'ip' and subject = ?`,
      [tenantId, username, tenantId, username, tenantId, ip],
      "run",
    );
  }

  private async liftExpiredUserBlock(em: EntityManager, tenantId: string, username: string): Promise<void> {
    await em.getConnection().execute(
      `with lift as (delete from blocked_user where tenant_id = ? and username = ? and blocked_until <= now())
       delete from login_throttle where tenant_id = ? and kind = 'user' and subject = ?`,
      [tenantId, username, tenantId, username],
      "run",
    );
  }
}
