// Short-lived bearer secrets handed to a browser or an inbox — login nonces, e-mail verification
// and reset codes: 32 random bytes (base64url), stored only as SHA-256, deleted when used.
import { randomToken } from "../../crypto/random-token.js";
import { hashSecret } from "../../crypto/secret-hash.js";

export interface IssuedSecret {
  /** Given to the user once. */
  readonly value: string;
  /** What is stored. */
  readonly hash: Buffer;
}

export function issueSecret(): IssuedSecret {
  const value = randomToken(32);
  return { value, hash: hashSecret(value) };
}

/** A random id that is also unguessable (challenge ids, authorization request ids). */
export function randomId(): string {
  return randomToken(24);
}
