// The face step's side of `ber` on Authenticate (src/domain/login/biometric-results.ts;
// docs/face-liveness.md, "`ber` on Authenticate"): Authenticate uses a result that a passed check
// of its own pending login left (once, unexpired), and learns what it proved of the user — only
// now, after the secret, is a face that did not match the enrolled one told.
import { hashSecret } from "../../crypto/secret-hash.js";
import type { FaceRepository, FaceVerdict } from "../../persistence/repositories/face-repository.js";
import type { BiometricResult, BiometricResults } from "../login/biometric-results.js";
import { AMR } from "../login/factors.js";
import { FACE_REASON_TEXT } from "./face-reasons.js";
import { faceNotAccepted } from "./face-errors.js";

/** What each verdict proves, as amr values (or refuses). */
function resultOf(userId: string | null, verdict: FaceVerdict): BiometricResult {
  if (verdict === "face") return { userId, amr: [AMR.face] };
  if (verdict === "liveness") return { userId, amr: [AMR.liveness] };
  return { userId, refused: faceNotAccepted(FACE_REASON_TEXT.mismatch) };
}

export function faceResults(faceOf: (tenantId: string) => FaceRepository): BiometricResults {
  return {
    async use(tenantId, reference, loginChallengeId) {
      const used = await faceOf(tenantId).useResult(hashSecret(reference), loginChallengeId);
      return used && resultOf(used.userId, used.verdict);
    },
  };
}
