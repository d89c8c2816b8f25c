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
