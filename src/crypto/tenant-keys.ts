// A tenant's asymmetric keys: generation (public JWK + PKCS#8 private key for the caller to seal
// with secret-box.ts) and loading a private key back for signing or decrypting.
//
//   EdDSA    Ed25519 signing key (the default for ID tokens and access tokens)
//   RS256    RSA-2048 signing key, for relying parties that only do RS256; its public JWK carries
//            `x5c`, a self-signed certificate, because Microsoft Entra's external authentication
//            methods require one
//   ECDH-ES  X25519 key that clients encrypt to (JWE, `use: enc`)
//
// `kid` is the RFC 7638 JWK thumbprint (SHA-256), so it is derived from the key alone and stable
// across exports.
import { createPrivateKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, type JWK } from "jose";
import { createSelfSignedRsaCertificate, DEFAULT_CERTIFICATE_VALIDITY_DAYS } from "./x509.js";

const generateKeyPairAsync = promisify(generateKeyPair);

export const TENANT_KEY_ALGS = ["EdDSA", "RS256", "ECDH-ES"] as const;
export type TenantKeyAlg = (typeof TENANT_KEY_ALGS)[number];
export type KeyUse = "sig" | "enc";

export const RSA_MODULUS_BITS = 2048;

/** The public half as published in the tenant's JWKS. Never contains private members. */
export interface TenantPublicJwk extends JWK {
  readonly kty: "OKP" | "RSA";
  readonly kid: string;
  readonly alg: TenantKeyAlg;
  readonly use: KeyUse;
}

export interface GeneratedTenantKey {
  readonly kid: string;
  readonly alg: TenantKeyAlg;
  readonly use: KeyUse;
  readonly publicJwk: TenantPublicJwk;
  /** The private key as PKCS#8 DER. Secret: seal it (`tenant-key:<kid>`) before storing. */
  readonly privateKeyPkcs8: Buffer;
  /** RS256 only: the self-signed certificate whose base64 is the JWK's `x5c[0]`. */
  readonly certificateDer?: Buffer;
}

export interface GenerateTenantKeyOptions {
  /** Named in the RS256 certificate's subject: `CN=svault tenant <tenantId>`. */
  readonly tenantId: string;
  /** Start of the certificate's validity; defaults to the current time. */
  readonly now?: Date;
  /** Defaults to ten years. */
  readonly certificateValidityDays?: number;
}

export function keyUseOf(alg: TenantKeyAlg): KeyUse {
  return alg === "ECDH-ES" ? "enc" : "sig";
}

/** Generates one key of the given algorithm. */
export async function generateTenantKey(alg: TenantKeyAlg, options: GenerateTenantKeyOptions): Promise<GeneratedTenantKey> {
  const { publicKey, privateKey } = await generatePair(alg);
  const privateKeyPkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  const use = keyUseOf(alg);
  if (alg !== "RS256") {
    return { kid, alg, use, publicJwk: { ...jwk, kty: "OKP", kid, alg, use }, privateKeyPkcs8 };
  }
  const certificateDer = createSelfSignedRsaCertificate({
    commonName: `svault tenant ${options.tenantId}`,
    privateKeyPkcs8,
    publicKeySpki: publicKey.export({ format: "der", type: "spki" }),
    now: options.now ?? new Date(),
    validityDays: options.certificateValidityDays ?? DEFAULT_CERTIFICATE_VALIDITY_DAYS,
  });
  return {
    kid,
    alg,
    use,
    publicJwk: { ...jwk, kty: "RSA", kid, alg, use, x5c: [certificateDer.toString("base64")] },
    privateKeyPkcs8,
    certificateDer,
  };
}

/** A new tenant's initial key set: one key of each algorithm, in `TENANT_KEY_ALGS` order. */
export async function generateTenantKeys(options: GenerateTenantKeyOptions): Promise<GeneratedTenantKey[]> {
  return Promise.all(TENANT_KEY_ALGS.map((alg) => generateTenantKey(alg, options)));
}

function generatePair(alg: TenantKeyAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (alg) {
    case "EdDSA":
      return generateKeyPairAsync("ed25519");
    case "ECDH-ES":
      return generateKeyPairAsync("x25519");
    case "RS256":
      return generateKeyPairAsync("rsa", { modulusLength: RSA_MODULUS_BITS, publicExponent: 0x10001 });
  }
}

const KEY_TYPE_OF: Record<TenantKeyAlg, string> = { EdDSA: "ed25519", RS256: "rsa", "ECDH-ES": "x25519" };

/**
 * Loads a private key (PKCS#8 DER, as generated above, after `open`ing it) for signing with jose
 * (`SignJWT#sign`, `CompactSign#sign`) or decrypting (`compactDecrypt`), or with node:crypto.
 * Throws if the key is not of the type `alg` needs.
 */
export function loadPrivateKey(privateKeyPkcs8: Uint8Array, alg: TenantKeyAlg): KeyObject {
  const key = createPrivateKey({
    key: Buffer.from(privateKeyPkcs8.buffer, privateKeyPkcs8.byteOffset, privateKeyPkcs8.byteLength),
    format: "der",
    type: "pkcs8",
  });
  if (key.asymmetricKeyType !== KEY_TYPE_OF[alg]) {
    throw new Error(`a ${alg} key must be ${KEY_TYPE_OF[alg]}, got ${key.asymmetricKeyType ?? "an unknown key type"}`);
  }
  if (alg === "RS256" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MODULUS_BITS) {
    throw new Error(`an RS256 key must have at least ${RSA_MODULUS_BITS} bits`);
  }
  return key;
}
