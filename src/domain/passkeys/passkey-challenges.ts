// WebAuthn challenges: 32 random bytes handed to the browser, stored only as the SHA-256 of their
// base64url form (what clientDataJSON carries back), so that the stored rows cannot be replayed.
import { randomBuffer } from "../../crypto/random-token.js";
import { hashSecret } from "../../crypto/secret-hash.js";

/** How long a ceremony may take, from options to verification. */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 180;
/** The browser's own timeout for the ceremony (a little less than the challenge's life). */
export const PASSKEY_CEREMONY_TIMEOUT_MS = 170_000;

export interface IssuedChallenge {
  /** For the options (`challenge`). */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** What is stored. */
  readonly hash: Buffer;
}

export function issueChallenge(): IssuedChallenge {
  const bytes = new Uint8Array(randomBuffer(32));
  return { bytes, hash: hashSecret(Buffer.from(bytes).toString("base64url")) };
}

/** The stored form of the challenge a response presents (clientDataJSON's `challenge`). */
export function challengeHashOf(presented: string): Buffer {
  return hashSecret(presented);
}
