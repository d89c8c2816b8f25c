// A platform authenticator in software (ES256, WebAuthn level 3 assertion format), for the passkey
// benchmark: it signs assertions for challenges without a browser, so that the benchmark can make
// thousands. The browser tests use Chromium's virtual authenticator instead.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

/** Flags of authenticator data: user present, user verified, backup eligible, backed up. */
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;

export interface SoftwareCredential {
  readonly credentialId: string;
  /** The COSE_Key (EC2, P-256, ES256) as a relying party stores it. */
  readonly cosePublicKey: Uint8Array<ArrayBuffer>;
  readonly privateKey: KeyObject;
}

export function createCredential(): SoftwareCredential {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const x = Buffer.from(jwk.x as string, "base64url");
  const y = Buffer.from(jwk.y as string, "base64url");
  // CBOR map(5): 1 (kty): 2 (EC2), 3 (alg): -7 (ES256), -1 (crv): 1 (P-256), -2 (x): bstr(32), -3 (y): bstr(32).
  const cose = Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
    x,
    Buffer.from([0x22, 0x58, 0x20]),
    y,
  ]);
  return { credentialId: randomBytes(16).toString("base64url"), cosePublicKey: new Uint8Array(cose), privateKey };
}

export interface Assertion {
  readonly id: string;
  readonly rawId: string;
  readonly clientDataJson: string;
  readonly authenticatorData: string;
  readonly signature: string;
  readonly userHandle: string;
}

/** A synced passkey's assertion (counter 0, user verified) for `challenge` at `origin`. */
export function assert(credential: SoftwareCredential, rpId: string, origin: string, challenge: string, userHandle: string): Assertion {
  const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([UP | UV | BE | BS]), Buffer.alloc(4)]);
  const clientDataJson = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
  const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJson)]), credential.privateKey);
  return {
    id: credential.credentialId,
    rawId: credential.credentialId,
    clientDataJson: clientDataJson.toString("base64url"),
    authenticatorData: authenticatorData.toString("base64url"),
    signature: signature.toString("base64url"),
    userHandle,
  };
}
