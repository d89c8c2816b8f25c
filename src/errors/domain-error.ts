// One error type for every failure a caller can cause. It carries a Connect code (which fixes the
// HTTP status for REST), a stable machine-readable reason, a message that is safe to show, and
// optionally what the OAuth and SCIM renderers need. Anything else thrown is a bug: it is logged
// and answered as an opaque internal error.
import { Code } from "@connectrpc/connect";

export { Code };

/** One invalid field: its path in the request message (proto field names) and why. */
export interface FieldViolation {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** A stable machine-readable kind, e.g. `string_too_long`, `missing`. */
  readonly type: string;
}

export interface DomainErrorOptions {
  /** RFC 6749 error code, for OAuth endpoints (`invalid_grant`, …). */
  readonly oauthError?: string;
  /** RFC 7644 `scimType`, for SCIM endpoints (`uniqueness`, `invalidFilter`, …). */
  readonly scimType?: string;
  readonly violations?: readonly FieldViolation[];
  /** For ResourceExhausted and Unavailable: when to try again (REST `Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

export class DomainError extends Error {
  readonly oauthError: string | undefined;
  readonly scimType: string | undefined;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: Code,
    /** Stable, upper snake case: `USER_NOT_FOUND`. */
    readonly reason: string,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DomainError";
    this.oauthError = options.oauthError;
    this.scimType = options.scimType;
    this.violations = options.violations ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function invalidArgument(violations: readonly FieldViolation[]): DomainError {
  const first = violations[0];
  const summary = first ? `${first.path.join(".") || "request"}: ${first.message}` : "invalid request";
  return new DomainError(Code.InvalidArgument, "INVALID_ARGUMENT", summary, { violations, oauthError: "invalid_request" });
}

export function notFound(reason: string, message: string): DomainError {
  return new DomainError(Code.NotFound, reason, message);
}

export function alreadyExists(reason: string, message: string): DomainError {
  return new DomainError(Code.AlreadyExists, reason, message, { scimType: "uniqueness" });
}

export function unauthenticated(message = "Not authenticated"): DomainError {
  return new DomainError(Code.Unauthenticated, "UNAUTHENTICATED", message, { oauthError: "invalid_token" });
}

export function permissionDenied(message = "Not allowed"): DomainError {
  return new DomainError(Code.PermissionDenied, "PERMISSION_DENIED", message, { oauthError: "access_denied" });
}

/** Seconds a client is told to wait (`Retry-After`) when the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The database cannot be reached, dropped the connection, or did not answer in time: nothing was
 * wrong with the request, which may succeed unchanged a little later.
 */
export function databaseUnavailable(cause: unknown): DomainError {
  return new DomainError(Code.Unavailable, "DATABASE_UNAVAILABLE", "The service is temporarily unavailable; try again shortly", {
    oauthError: "temporarily_unavailable",
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    cause,
  });
}
