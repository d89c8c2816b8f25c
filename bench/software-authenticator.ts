// A platform authenticator in software (WebAuthn level 3 assertion format), for the passkey
// benchmark and the assertion verification's unit test: it signs assertions for challenges without
// a browser, so that the benchmark can make thousands. ES256 by default, EdDSA and RS256 too (the
// algorithms registration accepts). The browser tests use Chromium's virtual authenticator instead.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

/** Flags of authenticator data: user present, user verified, backup eligible, backed up. */
export const UP = 0x01;
export const UV = 0x04;
export const BE = 0x08;
export const BS = 0x10;

export type SoftwareAlgorithm = "ES256" | "EdDSA" | "RS256";

export interface SoftwareCredential {
  readonly credentialId: string;
  /** The COSE_Key as a relying party stores it. */
  readonly cosePublicKey: Uint8Array<ArrayBuffer>;
  readonly privateKey: KeyObject;
  readonly algorithm: SoftwareAlgorithm;
}

/** A CBOR byte string header (lengths up to 65535). */
function bstr(bytes: Buffer): Buffer {
  const head =
    bytes.length < 24 ? [0x40 | bytes.length] : bytes.length < 256 ? [0x58, bytes.length] : [0x59, bytes.length >> 8, bytes.length & 255];
  return Buffer.concat([Buffer.from(head), bytes]);
}

export function createCredential(algorithm: SoftwareAlgorithm = "ES256"): SoftwareCredential {
  let cose: Buffer;
  let privateKey: KeyObject;
  if (algorithm === "ES256") {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = pair.publicKey.export({ format: "jwk" });
    // CBOR map(5): 1 (kty): 2 (EC2), 3 (alg): -7 (ES256), -1 (crv): 1 (P-256), -2 (x): bstr(32), -3 (y): bstr(32).
    cose = Buffer.concat([
      Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]),
      bstr(Buffer.from(jwk.x as string, "base64url")),
      Buffer.from([0x22]),
      bstr(Buffer.from(jwk.y as string, "base64url")),
    ]);
    privateKey = pair.privateKey;
  } else if (algorithm === "EdDSA") {
    const pair = generateKeyPairSync("ed25519");
    const jwk = pair.publicKey.export({ format: "jwk" });
    // CBOR map(4): 1 (kty): 1 (OKP), 3 (alg): -8 (EdDSA), -1 (crv): 6 (Ed25519), -2 (x): bstr(32).
    cose = Buffer.concat([Buffer.from([0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21]), bstr(Buffer.from(jwk.x as string, "base64url"))]);
    privateKey = pair.privateKey;
  } else {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = pair.publicKey.export({ format: "jwk" });
    // CBOR map(4): 1 (kty): 3 (RSA), 3 (alg): -257 (RS256: 0x39 0x01 0x00), -1 (n): bstr(256), -2 (e): bstr(3).
    cose = Buffer.concat([
      Buffer.from([0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20]),
      bstr(Buffer.from(jwk.n as string, "base64url")),
      Buffer.from([0x21]),
      bstr(Buffer.from(jwk.e as string, "base64url")),
    ]);
    privateKey = pair.privateKey;
  }
  return { credentialId: randomBytes(16).toString("base64url"), cosePublicKey: new Uint8Array(cose), privateKey, algorithm };
}

export interface Assertion {
  readonly id: string;
  readonly rawId: string;
  readonly clientDataJson: string;
  readonly authenticatorData: string;
  readonly signature: string;
  readonly userHandle: string;
}

export interface AssertionOptions {
  /** Authenticator data flags (default: a synced passkey that verified the user, UP|UV|BE|BS). */
  readonly flags?: number;
  /** The signature counter (default 0, as synced passkeys report). */
  readonly counter?: number;
  /** Members to add to (or replace in) clientDataJSON. */
  readonly clientData?: Record<string, unknown>;
  /** Bytes appended to the authenticator data (which must then be refused). */
  readonly trailing?: Buffer;
}

/** An assertion for `challenge` at `origin` (by default a synced passkey's: counter 0, user verified). */
export function assert(
  credential: SoftwareCredential,
  rpId: string,
  origin: string,
  challenge: string,
  userHandle: string,
  options: AssertionOptions = {},
): Assertion {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(options.counter ?? 0);
  const authenticatorData = Buffer.concat([
    sha256(rpId),
    Buffer.from([options.flags ?? UP | UV | BE | BS]),
    counter,
    options.trailing ?? Buffer.alloc(0),
  ]);
  const clientDataJson = Buffer.from(
    JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false, ...options.clientData }),
  );
  const signed = Buffer.concat([authenticatorData, sha256(clientDataJson)]);
  const signature = sign(credential.algorithm === "EdDSA" ? null : "sha256", signed, credential.privateKey);
  return {
    id: credential.credentialId,
    rawId: credential.credentialId,
    clientDataJson: clientDataJson.toString("base64url"),
    authenticatorData: authenticatorData.toString("base64url"),
    signature: signature.toString("base64url"),
    userHandle,
  };
}
