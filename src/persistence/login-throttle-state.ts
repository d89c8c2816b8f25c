// What the login throttle reads of a guess (domain/login/login-throttle.ts decides on it): the
// blocks of the username and the address and the username's failures, joined onto the tenant row
// `t` of a login's first statement, so that reading them adds no round trip. The username is a
// value (a PIN/pattern login names it) or an expression of the statement (a passkey sign-in learns
// it from the credential it reads).
import { type SqlFragment, sql } from "./sql-fragment.js";

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
export function throttleStateJoins(username: string | SqlFragment, ip: string): SqlFragment {
  return sql`left join blocked_user bu on bu.tenant_id = t.id and bu.username = ${username}
  left join blocked_ip bi on bi.tenant_id = t.id and bi.ip = ${ip}
  left join login_throttle lt on lt.tenant_id = t.id and lt.kind = 'user' and lt.subject = ${username}`;
}
