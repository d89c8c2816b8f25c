// The signed JWTs a client of the side-by-side benchmark makes for every request (bench/peer/):
// `private_key_jwt` client assertions (RFC 7523 §3) and DPoP proofs (RFC 9449 §4.2), both with a
// fresh random `jti`, signed with Ed25519 (EdDSA) by node:crypto — the same code for svault and
// for the peer, so that the client's work is the same on both.
import { createHash, createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, randomBytes, sign } from "node:crypto";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** An Ed25519 key pair as JWKs: the private one for the signer, the public one to register. */
export interface BenchKeyPair {
  readonly privateJwk: JsonWebKey;
  readonly publicJwk: JsonWebKey;
}

export function ed25519KeyPair(): BenchKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const { kty, crv, x } = publicKey.export({ format: "jwk" });
  return { privateJwk: privateKey.export({ format: "jwk" }), publicJwk: { kty, crv, x } };
}

/** RFC 7638 thumbprint (SHA-256, base64url) of an OKP public key: the `jkt` a DPoP-bound token carries. */
export function okpThumbprint(jwk: JsonWebKey): string {
  return createHash("sha256")
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest("base64url");
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A compact JWS (EdDSA) of `header` and `payload`. */
function signed(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64({ ...header, alg: "EdDSA" })}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

const jti = () => randomBytes(16).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** Makes client assertions of one client: iss = sub = client_id, aud = the endpoint's URL, 60 s. */
export function clientAssertions(clientId: string, audience: string, privateJwk: JsonWebKey): () => string {
  const key = createPrivateKey({ key: privateJwk, format: "jwk" });
  return () => {
    const iat = now();
    return signed(key, { typ: "JWT" }, { iss: clientId, sub: clientId, aud: audience, jti: jti(), iat, exp: iat + 60 });
  };
}

/** Makes DPoP proofs of one key; with an access token they carry its hash (`ath`, a resource request). */
export function dpopProofs(privateJwk: JsonWebKey): (method: string, url: string, nonce?: string, accessToken?: string) => string {
  const key = createPrivateKey({ key: privateJwk, format: "jwk" });
  const { kty, crv, x } = privateJwk;
  const jwk = { kty, crv, x };
  return (method, url, nonce, accessToken) =>
    signed(
      key,
      { typ: "dpop+jwt", jwk },
      {
        jti: jti(),
        htm: method,
        htu: url,
        iat: now(),
        ...(nonce ? { nonce } : {}),
        ...(accessToken ? { ath: createHash("sha256").update(accessToken).digest("base64url") } : {}),
      },
    );
}
