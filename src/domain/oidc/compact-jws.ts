// The provider's own JWTs (access tokens, ID tokens) in the JWS compact serialization (RFC 7515
// §7.1), signed and verified with node:crypto's one-shot `sign`/`verify`. jose 6 signs and
// verifies only through WebCrypto, whose per-call job (a promise, a thread-pool task, key
// handles) cost 3–4× the Ed25519 signature itself on the token path (docs/performance.md, issue
// 22). Only what our tokens use is accepted: EdDSA (Ed25519) and RS256, a `kid` naming a published
// signing key of the algorithm, no `crit`; the claims are checked as jose's `jwtVerify` checks
// them (issuer, audience, `typ`, `exp`, `nbf`, `iat` a number).
import { createPublicKey, type JsonWebKey, type KeyObject, sign, verify } from "node:crypto";

export type JwsAlg = "EdDSA" | "RS256";

/** A JWT's claims (RFC 7519 §4.1 and whatever else the issuer put in). */
export interface JwtClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly [claim: string]: unknown;
}

const digestOf = (alg: JwsAlg) => (alg === "EdDSA" ? null : "sha256");
const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** `header.payload.signature`: the header names `alg` (and the caller's `kid`, `typ`). */
export function signJwt(header: { readonly alg: JwsAlg; readonly [name: string]: unknown }, claims: object, key: KeyObject): string {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  // The input is base64url text: ASCII, so latin1 is its UTF-8, without the UTF-8 encoder.
  return `${input}.${sign(digestOf(header.alg), Buffer.from(input, "latin1"), key).toString("base64url")}`;
}

/** A public key that verifies: its algorithm and key object. */
export interface VerificationKey {
  readonly alg: JwsAlg;
  readonly key: KeyObject;
}

/** The signing keys of a published JWK set by kid, imported once (encryption keys are left out). */
export function verificationKeysOf(jwks: readonly Readonly<Record<string, unknown>>[]): ReadonlyMap<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of jwks) {
    const { kid, alg, use } = jwk;
    if (typeof kid !== "string" || (alg !== "EdDSA" && alg !== "RS256") || (use !== undefined && use !== "sig")) continue;
    keys.set(kid, { alg, key: createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }) });
  }
  return keys;
}

export interface JwtExpectations {
  readonly issuer: string;
  /** An audience the token must name (`aud` equal to it, or an array holding it). */
  readonly audience?: string;
  /** The `typ` header the token must carry (compared as media types, as jose does). */
  readonly typ?: string;
  /** Epoch seconds `exp` and `nbf` are judged against; an expired token passes with 0. */
  readonly now: number;
}

const PART = /^[A-Za-z0-9_-]+$/;

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const mediaType = (typ: string) => (typ.includes("/") ? typ.toLowerCase() : `application/${typ.toLowerCase()}`);
const isNumberIfPresent = (value: unknown) => value === undefined || typeof value === "number";

/** A JWT whose signature verified: its header and claims (not yet judged against any expectation). */
export interface SignedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: JwtClaims;
}

/** The claims of a JWT signed by one of `keys`, meeting `expected`; undefined for anything else. */
export function verifyJwt(token: string, keys: ReadonlyMap<string, VerificationKey>, expected: JwtExpectations): SignedJwt | undefined {
  const signed = verifySignature(token, keys);
  return signed && meetsExpectations(signed, expected) ? signed : undefined;
}

/** The header and claims of a JWT whose signature one of `keys` verifies; undefined for anything else. */
export function verifySignature(token: string, keys: ReadonlyMap<string, VerificationKey>): SignedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [encodedHeader, encodedClaims, signature] = parts as [string, string, string];
  // Strict base64url: Buffer's decoder skips stray characters, which would let two texts carry one signature.
  if (!PART.test(encodedHeader) || !PART.test(encodedClaims) || !PART.test(signature)) return undefined;
  const header = decodeJsonObject(encodedHeader);
  if (!header || header.crit !== undefined || header.b64 !== undefined || typeof header.kid !== "string") return undefined;
  const key = keys.get(header.kid);
  if (!key || header.alg !== key.alg) return undefined;
  let valid: boolean;
  try {
    valid = verify(digestOf(key.alg), Buffer.from(`${encodedHeader}.${encodedClaims}`), key.key, Buffer.from(signature, "base64url"));
  } catch {
    return undefined;
  }
  if (!valid) return undefined;
  const claims = decodeJsonObject(encodedClaims) as JwtClaims | undefined;
  return claims && { header: Object.freeze(header), claims: Object.freeze(claims) };
}

/** Whether a signed JWT's header and claims meet `expected` (as jose's `jwtVerify` judges them). */
export function meetsExpectations({ header, claims }: SignedJwt, expected: JwtExpectations): boolean {
  if (expected.typ !== undefined && (typeof header.typ !== "string" || mediaType(header.typ) !== mediaType(expected.typ))) return false;
  if (claims.iss !== expected.issuer) return false;
  if (expected.audience !== undefined) {
    const { aud } = claims;
    if (!(aud === expected.audience || (Array.isArray(aud) && aud.includes(expected.audience)))) return false;
  }
  if (!isNumberIfPresent(claims.iat) || !isNumberIfPresent(claims.nbf) || !isNumberIfPresent(claims.exp)) return false;
  if (claims.nbf !== undefined && claims.nbf > expected.now) return false;
  return !(claims.exp !== undefined && claims.exp <= expected.now);
}
