// Enrolled face templates at rest: the 128-d embedding sealed with the KEK (secret-box.ts), bound
// by its associated data to the tenant, the user and the template's id, so that a template copied
// into another row, user or tenant fails to open. Never stored or returned in clear.
import type { Keyring } from "../crypto/key-encryption-key.js";
import { open, SecretBoxError, seal } from "../crypto/secret-box.js";
import { embeddingFromBytes, embeddingToBytes, type FaceEmbedding } from "./face-embedding.js";

/** Plaintext format: one version byte, then the embedding's little-endian float32s. */
const FORMAT_VERSION = 1;

export const templateAad = (tenantId: string, userId: string, templateId: string) => `face-template:${tenantId}:${userId}:${templateId}`;

export function sealTemplate(keyring: Keyring, tenantId: string, userId: string, templateId: string, embedding: FaceEmbedding): Buffer {
  const plaintext = Buffer.concat([Buffer.from([FORMAT_VERSION]), embeddingToBytes(embedding)]);
  try {
    return seal(keyring, plaintext, templateAad(tenantId, userId, templateId));
  } finally {
    plaintext.fill(0);
  }
}

/** The embedding; throws `SecretBoxError` when the template does not open or is not one. */
export function openTemplate(keyring: Keyring, tenantId: string, userId: string, templateId: string, sealed: Uint8Array): FaceEmbedding {
  const plaintext = open(keyring, sealed, templateAad(tenantId, userId, templateId));
  try {
    const embedding = plaintext[0] === FORMAT_VERSION ? embeddingFromBytes(plaintext.subarray(1)) : undefined;
    if (!embedding) throw new SecretBoxError("MALFORMED", "sealed face template is not a template of a known format");
    return embedding;
  } finally {
    plaintext.fill(0);
  }
}
