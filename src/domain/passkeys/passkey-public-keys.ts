// The stored passkeys' public keys as node:crypto keys, made from their COSE form once per passkey
// and kept, so that a sign-in checks a signature with one synchronous `crypto.verify` instead of
// decoding the COSE key, importing it into WebCrypto and queueing the hash and the verification on
// libuv's thread pool every time (what @simplewebauthn/server's verifyAuthenticationResponse does:
// docs/performance.md, "Passkeys").
//
// The algorithms are the ones registration accepts (PASSKEY_ALGORITHM_IDS, given to
// @simplewebauthn/server's registration so that no passkey is stored that this cannot check):
// EdDSA (Ed25519), ES256 (ECDSA with SHA-256; the signature in ASN.1 DER, as WebAuthn sends it) and
// RS256 (RSASSA-PKCS1-v1_5 with SHA-256).
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";
import { webauthnHelpers } from "./webauthn.js";

/** COSE algorithm ids: EdDSA, ES256, RS256 (@simplewebauthn/server's defaults on Node 20). */
export const PASSKEY_ALGORITHM_IDS: readonly number[] = [-8, -7, -257];

/** COSE_Key labels (RFC 9053) and key types. */
const KTY = 1;
const ALG = 3;
const OKP = 1;
const EC2 = 2;
const RSA = 3;
const CURVES: Readonly<Record<number, string>> = { 1: "P-256", 6: "Ed25519" };

interface VerifyingKey {
  readonly key: KeyObject;
  /** The digest `crypto.verify` applies, null for EdDSA (which hashes by itself). */
  readonly digest: string | null;
}

const b64url = (value: unknown): string => {
  if (!(value instanceof Uint8Array)) throw new Error("COSE key member is not a byte string");
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64url");
};

/** The node:crypto key of a COSE public key (decoded), or an error for anything registration does not accept. */
function verifyingKeyOf(cose: Map<number, unknown>): VerifyingKey {
  const kty = cose.get(KTY);
  const alg = cose.get(ALG);
  let jwk: JsonWebKey;
  let digest: string | null;
  if (kty === EC2 && alg === -7 && CURVES[cose.get(-1) as number] === "P-256") {
    jwk = { kty: "EC", crv: "P-256", x: b64url(cose.get(-2)), y: b64url(cose.get(-3)) };
    digest = "sha256";
  } else if (kty === OKP && alg === -8 && CURVES[cose.get(-1) as number] === "Ed25519") {
    jwk = { kty: "OKP", crv: "Ed25519", x: b64url(cose.get(-2)) };
    digest = null;
  } else if (kty === RSA && alg === -257) {
    jwk = { kty: "RSA", n: b64url(cose.get(-1)), e: b64url(cose.get(-2)) };
    digest = "sha256";
  } else {
    throw new Error(`unsupported COSE key (kty ${String(kty)}, alg ${String(alg)})`);
  }
  // createPublicKey checks the key itself (an EC point on its curve).
  return { key: createPublicKey({ key: jwk, format: "jwk" }), digest };
}

export class PasskeyPublicKeys {
  /** By passkey id, with the COSE bytes the key was made from (a changed row is made again). */
  private readonly keys = new Map<string, { cose: Buffer; key: VerifyingKey }>();

  /** At most this many keys are kept (the least recently made go first); a miss costs one import. */
  constructor(private readonly capacity = 10_000) {}

  /**
   * Whether `signature` is the passkey's over `data`. False for a signature that does not verify
   * or is malformed; throws when the stored key is not one registration accepts.
   */
  async verifies(passkeyId: string, publicKey: Uint8Array, data: Buffer, signature: Buffer): Promise<boolean> {
    const { key, digest } = this.keyOf(passkeyId, publicKey) ?? (await this.imported(passkeyId, publicKey));
    try {
      return verify(digest, data, key, signature);
    } catch {
      // A signature OpenSSL cannot even parse (e.g. not DER for ECDSA).
      return false;
    }
  }

  private keyOf(passkeyId: string, publicKey: Uint8Array): VerifyingKey | undefined {
    const kept = this.keys.get(passkeyId);
    return kept?.cose.equals(publicKey) ? kept.key : undefined;
  }

  private async imported(passkeyId: string, publicKey: Uint8Array): Promise<VerifyingKey> {
    const { decodeCredentialPublicKey } = await webauthnHelpers();
    const cose = Buffer.from(publicKey);
    const key = verifyingKeyOf(decodeCredentialPublicKey(new Uint8Array(cose)) as unknown as Map<number, unknown>);
    this.keys.delete(passkeyId);
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(passkeyId, { cose, key });
    return key;
  }
}
