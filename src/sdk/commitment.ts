// `encrypted_commitment` (login protocol §6): the registration record, with its challenge id,
// as a compact JWE (ECDH-ES, A256GCM, `kid` in the protected header) to the tenant's X25519 key.
import { CompactEncrypt, importJWK, type JWK } from "jose";
import { type CommitmentPayload, encodeCommitmentPayload } from "./challenge-data.js";

export const COMMITMENT_ALG = "ECDH-ES";
export const COMMITMENT_ENC = "A256GCM";

/** A JSON Web Key Set as the tenant publishes it. */
export interface Jwks {
  readonly keys: readonly JWK[];
}

function isX25519EncryptionKey(key: JWK): boolean {
  return key.kty === "OKP" && key.crv === "X25519" && (key.use === undefined || key.use === "enc") && typeof key.kid === "string";
}

/**
 * The tenant's encryption key: the first X25519 key with `use: "enc"` (and a `kid`) in the JWKS.
 * During a key rotation two may be listed; the server lists the newest first.
 */
export function selectEncryptionKey(jwks: Jwks): JWK {
  const key = jwks.keys.find((k) => k.use === "enc" && isX25519EncryptionKey(k));
  if (!key) throw new Error("The tenant's JWKS has no X25519 encryption key (use: enc)");
  return key;
}

/** Encrypts `{challenge_id, registration_record}` to `encJwk` (public X25519 JWK with a `kid`). */
export async function encryptCommitment(encJwk: JWK, payload: CommitmentPayload): Promise<string> {
  if (!isX25519EncryptionKey(encJwk)) throw new Error("encJwk must be a public X25519 JWK (use: enc) with a kid");
  const { d: _private, ...publicJwk } = encJwk;
  const key = await importJWK({ ...publicJwk, alg: COMMITMENT_ALG }, COMMITMENT_ALG);
  return new CompactEncrypt(encodeCommitmentPayload(payload))
    .setProtectedHeader({ alg: COMMITMENT_ALG, enc: COMMITMENT_ENC, kid: encJwk.kid as string })
    .encrypt(key);
}
