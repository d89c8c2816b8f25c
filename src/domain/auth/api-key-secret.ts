// The API key format: `svk_<id>_<secret>`. The id (16 base32 characters) is the primary key of
// the stored row, so verifying a key is one primary-key read; the secret (32 random bytes) is
// stored only as its SHA-256 (see crypto/secret-hash.ts).
import { createHash } from "node:crypto";
import { randomToken, randomBuffer } from "../../crypto/random-token.js";
import { hashSecret } from "../../crypto/secret-hash.js";

const PREFIX = "svk_";
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const FORMAT = /^svk_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  readonly id: string;
  /** The full key, shown to its owner once. */
  readonly key: string;
  readonly secretHash: Buffer;
}

export function newApiKeyId(): string {
  return [...randomBuffer(16)].map((byte) => ID_ALPHABET[byte % 32]).join("");
}

export function issueApiKey(id: string = newApiKeyId()): IssuedApiKey {
  const secret = randomToken(32);
  return { id, key: `${PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented key; undefined when it is not shaped like one of ours. */
export function parseApiKey(presented: string): { id: string; secret: string } | undefined {
  const match = FORMAT.exec(presented);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(PREFIX);
}

/** A non-secret fingerprint for lists: derived from the stored hash, so it reveals nothing. */
export function fingerprintOf(secretHash: Uint8Array): string {
  return createHash("sha256").update(secretHash).digest("hex").slice(0, 16);
}
