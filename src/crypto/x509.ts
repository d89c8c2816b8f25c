// Self-signed X.509 certificates for tenant RSA signing keys. They carry no trust of their own:
// relying parties that insist on an `x5c` member in the JWKS (Microsoft Entra's external
// authentication methods) get the signing key wrapped in a certificate, and pin the key itself.
//
// Written with node:crypto and the DER encodings of der.ts: a certificate library and its ASN.1
// schemas, with the Reflect metadata polyfill they need, cost ≈ 250 ms of CPU the first time a
// tenant's RSA key was made, and stayed loaded: ≈ 9–11 MiB of the service's RSS
// (docs/performance.md, "Where issue 22 stands (2026-12-07, 07:55 UTC)").
import { createHash, createPrivateKey, randomBytes, sign } from "node:crypto";
import {
  bitString,
  boolean,
  certificateTime,
  explicit,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
} from "./der.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so that a verifier whose clock lags accepts them. */
const BACKDATE_MS = 5 * 60 * 1000;

const OID = {
  sha256WithRsaEncryption: "1.2.840.113549.1.1.11",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
} as const;

export const DEFAULT_CERTIFICATE_VALIDITY_DAYS = 3650;

export interface SelfSignedRsaCertificateOptions {
  /** The subject (and issuer) common name, e.g. `svault tenant <tenant id>`. */
  readonly commonName: string;
  /** The RSA private key as PKCS#8 DER. */
  readonly privateKeyPkcs8: Uint8Array;
  /** The matching public key as SubjectPublicKeyInfo DER. */
  readonly publicKeySpki: Uint8Array;
  /** Defaults to the current time. */
  readonly now?: Date;
  /** Defaults to ten years. */
  readonly validityDays?: number;
}

/** A self-signed certificate (SHA-256 with RSA, RFC 5280) for an RSA key pair, as DER. */
export function createSelfSignedRsaCertificate(options: SelfSignedRsaCertificateOptions): Buffer {
  const validityDays = options.validityDays ?? DEFAULT_CERTIFICATE_VALIDITY_DAYS;
  if (!Number.isFinite(validityDays) || validityDays <= 0) throw new RangeError("certificate validity must be a positive number of days");
  const now = options.now ?? new Date();
  const signatureAlgorithm = sequence(objectIdentifier(OID.sha256WithRsaEncryption), nullValue());
  // The name's value is taken verbatim (a UTF8String): no RFC 4514 escaping to get wrong.
  const name = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(options.commonName))));
  const tbsCertificate = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serialNumber()),
    signatureAlgorithm,
    name, // issuer
    sequence(certificateTime(new Date(now.getTime() - BACKDATE_MS)), certificateTime(new Date(now.getTime() + validityDays * DAY_MS))),
    name, // subject
    Buffer.from(options.publicKeySpki),
    explicit(
      3,
      sequence(
        // Not a CA (cA FALSE is the default, so the sequence is empty), and only for signatures.
        extension(OID.basicConstraints, true, sequence()),
        extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 1)), // digitalSignature
        // RFC 7093 §2 method 4: a hash of the whole SubjectPublicKeyInfo.
        extension(OID.subjectKeyIdentifier, false, octetString(createHash("sha256").update(options.publicKeySpki).digest())),
      ),
    ),
  );
  // A view of the caller's bytes, not a copy: no copy of the private key is left behind.
  const { buffer, byteOffset, byteLength } = options.privateKeyPkcs8;
  const privateKey = createPrivateKey({ key: Buffer.from(buffer, byteOffset, byteLength), format: "der", type: "pkcs8" });
  // RSASSA-PKCS1-v1_5, node:crypto's padding for an RSA key.
  const signature = sign("sha256", tbsCertificate, privateKey);
  return sequence(tbsCertificate, signatureAlgorithm, bitString(signature));
}

/** A v3 extension: its id, whether a verifier must understand it, and its value's DER. */
function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  // DER leaves out a field at its default: `critical` only when TRUE.
  return critical ? sequence(objectIdentifier(id), boolean(true), octetString(value)) : sequence(objectIdentifier(id), octetString(value));
}

/** A random positive 128-bit serial number (RFC 5280: at most 20 octets, positive). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}
