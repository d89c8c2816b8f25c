// Hashing of high-entropy bearer secrets (API keys, client secrets, refresh tokens, codes). A fast
// hash is right for secrets of 256 random bits: no guess can succeed, and verifying costs nothing
// on the hot path. Low-entropy secrets (PINs) never come here: they go through OPAQUE.
import { createHash, timingSafeEqual } from "node:crypto";

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const hash = hashSecret(secret);
  return storedHash.length === hash.length && timingSafeEqual(hash, storedHash);
}
