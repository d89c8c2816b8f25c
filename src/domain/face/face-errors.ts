// The failures of the face step a caller can cause (docs/face-liveness.md, "The face step").
import { Code, DomainError } from "../../errors/domain-error.js";

export function faceDisabled(): DomainError {
  return new DomainError(Code.FailedPrecondition, "FACE_DISABLED", "Face sign-in is not enabled for this tenant");
}

/** The face step follows another step of the same authorization request: its nonce names the user. */
export function earlierStepRequired(): DomainError {
  return new DomainError(
    Code.Unauthenticated,
    "EARLIER_STEP_REQUIRED",
    "The face step needs the live login nonce of an earlier step of this authorization request",
    { oauthError: "access_denied" },
  );
}

export function notEnrolled(): DomainError {
  return new DomainError(Code.FailedPrecondition, "FACE_NOT_ENROLLED", "No face is enrolled for this user");
}

export function alreadyEnrolled(): DomainError {
  return new DomainError(
    Code.AlreadyExists,
    "FACE_ENROLLED",
    "A face is already enrolled for this user; an administrator removes it first",
  );
}

export function tooManyAttempts(): DomainError {
  return new DomainError(Code.ResourceExhausted, "FACE_ATTEMPTS_EXHAUSTED", "Too many face checks for this sign-in; start again");
}

/** Every refused upload looks alike, but says which check failed: the user must know what to do again. */
export function faceNotAccepted(reason: string): DomainError {
  return new DomainError(Code.Unauthenticated, "FACE_NOT_ACCEPTED", `The face check did not pass: ${reason}`, {
    oauthError: "access_denied",
  });
}

export function challengeUnknown(): DomainError {
  return new DomainError(Code.Unauthenticated, "FACE_CHALLENGE_UNKNOWN", "The face challenge is unknown, used or expired", {
    oauthError: "access_denied",
  });
}

export function badFrames(message: string): DomainError {
  return new DomainError(Code.InvalidArgument, "FACE_BAD_FRAMES", message, {
    violations: [{ path: ["frames"], message, type: "value_error" }],
  });
}

/** The verifier's queue is full: try again in a moment. */
export function verifierBusy(): DomainError {
  return new DomainError(Code.ResourceExhausted, "FACE_VERIFIER_BUSY", "Face checks are busy; try again in a few seconds", {
    retryAfterSeconds: 2,
  });
}

export function verifierFailed(): DomainError {
  return new DomainError(Code.Unavailable, "FACE_VERIFIER_FAILED", "The face check could not run; try again", { retryAfterSeconds: 1 });
}

/** A check before Authenticate needs that login's pending challenge (Get Challenge's `challenge_id`) of the same request. */
export function loginChallengeUnknown(): DomainError {
  return new DomainError(
    Code.Unauthenticated,
    "LOGIN_CHALLENGE_UNKNOWN",
    "The face check needs the challenge_id of a pending login of this authorization request",
    { oauthError: "access_denied" },
  );
}
