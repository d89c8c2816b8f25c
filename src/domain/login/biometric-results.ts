// `ber` on Authenticate (BERForm; docs/face-liveness.md, "`ber` on Authenticate"): a reference to a
// biometric result that a check made for this very login left behind — today the face step's
// result (`{"face_result": "<id>"}`), checked before the login's secret. Authenticate uses it once
// and, once the secret is proven, adds what it proved to the login's nonce, so that PIN + face
// is one Authenticate. The login knows results only through this interface (the face step
// implements it: src/domain/face/face-results.ts).
import type { DomainError } from "../../errors/domain-error.js";
import { invalidField } from "./login-errors.js";

/** What a used result proved of its user, or why it refuses the login (told only after the secret). */
export type BiometricResult =
  | { readonly userId: string | null; readonly amr: readonly string[] }
  | { readonly userId: string | null; readonly refused: DomainError };

export interface BiometricResults {
  /**
   * Uses the result `reference` of the pending login `loginChallengeId` of the tenant, once.
   * Undefined when there is none — unknown, used, expired or another login's (which stays untouched).
   */
  use(tenantId: string, reference: string, loginChallengeId: string): Promise<BiometricResult | undefined>;
}

/** The member of `ber` that names a face result. */
export const BER_FACE_RESULT = "face_result";

/**
 * The result reference in Authenticate's `ber`, or undefined when it names none (absent, `{}`, or
 * only other members, which are ignored). A `face_result` that is not a string of 1–128
 * characters is an InvalidArgument.
 */
export function berReferenceOf(ber: Readonly<Record<string, unknown>> | null | undefined): string | undefined {
  if (!ber || !(BER_FACE_RESULT in ber)) return undefined;
  const value = ber[BER_FACE_RESULT];
  if (typeof value !== "string" || value.length === 0 || value.length > 128) {
    throw invalidField(
      ["ber", BER_FACE_RESULT],
      "face_result must be the result Verify Liveness answered (a string of 1 to 128 characters)",
    );
  }
  return value;
}
