// The failures of the passkey operations a caller can cause.
import { Code, DomainError, notFound } from "../../errors/domain-error.js";

export function passkeysDisabled(): DomainError {
  return new DomainError(Code.FailedPrecondition, "PASSKEYS_DISABLED", "Passkeys are not enabled for this tenant");
}

export function passkeyNotFound(): DomainError {
  return notFound("PASSKEY_NOT_FOUND", "Passkey not found");
}

/** A registration the server could not verify (the reason is the verifier's, safe to show). */
export function registrationNotVerified(reason: string): DomainError {
  return new DomainError(Code.InvalidArgument, "PASSKEY_NOT_VERIFIED", `The passkey could not be verified: ${reason}`);
}

export function passkeyAlreadyRegistered(): DomainError {
  return new DomainError(Code.AlreadyExists, "PASSKEY_EXISTS", "This passkey is already registered");
}

/** Every failed passkey sign-in looks the same to the caller. */
export function passkeyNotAccepted(): DomainError {
  return new DomainError(Code.Unauthenticated, "INVALID_CREDENTIALS", "The passkey was not accepted", { oauthError: "access_denied" });
}

/** Removing this passkey would leave the person without a way to sign in (passkey-admin.ts). */
export function lastRequiredFactor(is2fa: boolean): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "LAST_REQUIRED_FACTOR",
    is2fa
      ? "This is your last passkey, and signing in here needs one besides your PIN or pattern. Add another passkey before you remove this one."
      : "This is your last passkey, and your account has no PIN or pattern to sign in with. Add another passkey before you remove this one.",
  );
}
