// The rule of a stored challenge (persistence/repositories/challenge-repository.ts stores and
// consumes them): a consumed challenge is usable only before it expires.
import type { ChallengeRow } from "../../persistence/repositories/challenge-repository.js";

export type { ChallengePurpose } from "../../persistence/repositories/challenge-repository.js";

/** A consumed challenge is usable only before it expires. */
export function isUnexpired(row: Pick<ChallengeRow, "expires_at">): boolean {
  return new Date(row.expires_at).getTime() > Date.now();
}
