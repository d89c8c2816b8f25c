// A factor the MFA form can ask for (docs/entra-mfa.md, "Factors"): one of the sign-in engine's
// possession or inherence steps (src/domain/login/factor-offer.ts), run on its own. Entra accepts
// only such a factor, reported as exactly one `amr` value; a PIN or pattern alone is knowledge and
// has no such value, so no verifier may stand for it. The flow (mfa-flows.ts) knows verifiers only
// through this interface, keyed by the engine's step: the passkey today (passkey-factor.ts); a face
// verifier is one more implementation registered in src/services.ts, with no change to the flow.
import type { FactorStep } from "../login/factors.js";

/** What the browser needs to run the factor (for a passkey: WebAuthn request options). */
export interface FactorChallenge {
  /** Server-side state to keep with the flow until the answer (single use; at most 100 characters). */
  readonly challenge: string;
  /** Handed to the page's script as JSON. */
  readonly browserOptions: Record<string, unknown>;
}

export interface FactorSubject {
  readonly tenantId: string;
  readonly userId: string;
}

/** What a passed factor proved, in the sign-in engine's amr vocabulary (src/domain/login/factors.ts). */
export interface FactorProof {
  /** For a passkey `hwk` (device-bound) or `swk` (synced), with `user` when the authenticator verified the user. */
  readonly amr: readonly string[];
}

export interface MfaFactorVerifier {
  /** The engine's step this verifier performs. */
  readonly step: FactorStep;
  /** Whether the user has this factor (a request for a user without any offered factor is refused at once). */
  enrolled(subject: FactorSubject): Promise<boolean>;
  /** A fresh challenge for the user, or undefined when the user has not enrolled this factor. */
  options(subject: FactorSubject): Promise<FactorChallenge | undefined>;
  /** The proof when the browser's answer proves the factor for the challenge (recording what a success changes), else undefined. */
  verify(subject: FactorSubject, challenge: string, answer: unknown): Promise<FactorProof | undefined>;
}
