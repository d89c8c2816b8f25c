// Self-signed X.509 certificates for tenant RSA signing keys. They carry no trust of their own:
// relying parties that insist on an `x5c` member in the JWKS (Microsoft Entra's external
// authentication methods) get the signing key wrapped in a certificate, and pin the key itself.
//
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata polyfill loaded first; ES modules evaluate their imports in order, so this import must
// stay above the @peculiar/x509 one (and only this module may import @peculiar/x509).
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from "@peculiar/x509";

const RSA_SHA256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so that a verifier whose clock lags accepts them. */
const BACKDATE_MS = 5 * 60 * 1000;

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

type X509Crypto = NonNullable<Parameters<typeof SubjectKeyIdentifierExtension.create>[2]>;

/** A self-signed certificate (SHA-256 with RSA) for an RSA key pair, as DER. */
export async function createSelfSignedRsaCertificate(options: SelfSignedRsaCertificateOptions): Promise<Buffer> {
  const validityDays = options.validityDays ?? DEFAULT_CERTIFICATE_VALIDITY_DAYS;
  if (!Number.isFinite(validityDays) || validityDays <= 0) throw new RangeError("certificate validity must be a positive number of days");
  const now = options.now ?? new Date();
  // Node's WebCrypto, as the type @peculiar/x509 declares for it (the DOM's Crypto, which the
  // server's tsconfig does not include).
  const crypto = webcrypto as unknown as X509Crypto;
  // WebCrypto wants ArrayBuffer-backed views; the copy of the private key is wiped once imported.
  const pkcs8 = new Uint8Array(options.privateKeyPkcs8);
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey("pkcs8", pkcs8, RSA_SHA256, false, ["sign"]),
    crypto.subtle.importKey("spki", new Uint8Array(options.publicKeySpki), RSA_SHA256, true, ["verify"]),
  ]).finally(() => pkcs8.fill(0));
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      // The JSON form of a name takes the value verbatim: no RFC 4514 escaping to get wrong.
      name: [{ CN: [options.commonName] }],
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + validityDays * DAY_MS),
      signingAlgorithm: RSA_SHA256,
      keys: { privateKey, publicKey },
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        await SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return Buffer.from(certificate.rawData);
}

/** A random positive 128-bit serial number, as hex (RFC 5280: at most 20 octets, positive). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}
