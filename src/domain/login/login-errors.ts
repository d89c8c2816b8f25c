// The failures of the login protocol a client can cause, each with one stable answer.
import { Code, DomainError, type FieldViolation, invalidArgument } from "../../errors/domain-error.js";

/** Every login failure looks the same: wrong secret, unknown user, replay, expiry, KE1 mismatch. */
export function invalidCredentials(): DomainError {
  return new DomainError(Code.Unauthenticated, "INVALID_CREDENTIALS", "Invalid username or secret", { oauthError: "access_denied" });
}

export function invalidField(path: (string | number)[], message: string, type = "value_error"): DomainError {
  const violation: FieldViolation = { path, message, type };
  return invalidArgument([violation]);
}

export function invalidCommitment(message: string): DomainError {
  return new DomainError(Code.InvalidArgument, "INVALID_COMMITMENT", message);
}

/**
 * Authenticate's `ber.face_result` names no unused, unexpired face result of this login (docs/face-liveness.md,
 * "`ber` on Authenticate"): refused before the login's challenge is used, so nothing changed.
 */
export function faceResultUnknown(): DomainError {
  return new DomainError(Code.Unauthenticated, "FACE_RESULT_UNKNOWN", "The face result is unknown, used, expired or not of this login", {
    oauthError: "access_denied",
  });
}
