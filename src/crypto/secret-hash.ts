// Hashing of high-entropy bearer secrets (API keys, client secrets, refresh tokens, codes). A fast
// hash is right for secrets of 256 random bits: no guess can succeed, and verifying costs nothing
// on the hot path. Low-entropy secrets (PINs) never come here: they go through OPAQUE.
import { hash, timingSafeEqual } from "node:crypto";

// The one-shot `hash` makes no Hash object (a client's secret and a refresh token are checked on every token request).
export function hashSecret(secret: string): Buffer {
  return hash("sha256", secret, "buffer");
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const hash = hashSecret(secret);
  return storedHash.length === hash.length && timingSafeEqual(hash, storedHash);
}
