// The one error the SDK's transports and flows throw for a refused call, whatever the transport:
// an HTTP-like status, a message safe to show, and when to retry for throttling (login protocol §8).

/** One invalid field of a 422 answer, in the REST reference's shape. */
export interface FieldViolation {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

export interface SvaultAuthErrorInit {
  readonly status: number;
  readonly detail: string;
  /** Seconds to wait before trying again (from `Retry-After`), for a throttled call (429). */
  readonly retryAfter?: number | undefined;
  readonly violations?: readonly FieldViolation[] | undefined;
  readonly cause?: unknown;
}

export class SvaultAuthError extends Error {
  /** HTTP status, or its equivalent for a Connect/gRPC code (401, 403, 404, 409, 422, 429…). */
  readonly status: number;
  /** The server's message (for a 422: its violations joined). */
  readonly detail: string;
  readonly retryAfter: number | undefined;
  readonly violations: readonly FieldViolation[];

  constructor(init: SvaultAuthErrorInit) {
    super(`${init.status}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "SvaultAuthError";
    this.status = init.status;
    this.detail = init.detail;
    this.retryAfter = init.retryAfter;
    this.violations = init.violations ?? [];
  }
}

/** The server's answer to every failed login (§7); the SDK throws the same for a wrong secret. */
export const INVALID_LOGIN_DETAIL = "Invalid username or secret";

export function invalidLoginError(): SvaultAuthError {
  return new SvaultAuthError({ status: 401, detail: INVALID_LOGIN_DETAIL });
}

/** Seconds from a `Retry-After` value: delta-seconds or an HTTP date; undefined when unusable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
