// Minting and verifying the tokens of the OIDC provider: ID tokens (signed per the client's
// `sing_alg`), JWT access tokens (RFC 9068, `typ: at+jwt`) and opaque refresh tokens (random,
// stored as SHA-256, rotated on every use). The JWTs are signed and verified with node:crypto
// (compact-jws.ts), not jose's WebCrypto.
import { createHash } from "node:crypto";
import { randomToken } from "../../crypto/random-token.js";
import type { JWTPayload } from "jose";
import { hashSecret } from "../../crypto/secret-hash.js";
import type { TenantKeyAlg } from "../../crypto/tenant-keys.js";
import type { Client } from "../../persistence/entities/client.js";
import { isAdminApiScope } from "../auth/permissions.js";
import { acrOf } from "../login/factors.js";
import type { PublishedKeys, TenantKeyStore } from "../tenants/tenant-key-store.js";
import {
  type JwsAlg,
  type JwtExpectations,
  meetsExpectations,
  type SignedJwt,
  signJwt,
  type VerificationKey,
  verificationKeysOf,
  verifySignature,
} from "./compact-jws.js";
import type { Issuers, TenantIssuer } from "./issuers.js";

export interface MintInput {
  readonly issuer: TenantIssuer;
  readonly client: Client;
  /** The user; null for client_credentials. */
  readonly userId: string | null;
  readonly sessionId: string | null;
  /**
   * The grant's token family; null for a client acting for itself (client_credentials): such a
   * token has no refresh token and no user, so nothing revokes it as a family — it lives while its
   * client exists and its jti is not revoked (GrantRepository.liveAccessToken).
   */
  readonly familyId: string | null;
  readonly scope: string;
  readonly nonce?: string | null;
  readonly authTime?: Date;
  readonly amr?: readonly string[];
  readonly withIdToken: boolean;
  readonly withRefreshToken: boolean;
  /** The DPoP key the access token is bound to (RFC 9449 §6: `cnf.jkt`). */
  readonly dpopJkt?: string | undefined;
  /** The `groups` claim of the ID token (groups-claim.ts), when the scope grants it. */
  readonly groups?: readonly string[] | undefined;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly idToken?: string;
  readonly refreshToken?: { value: string; hash: Buffer; expiresAt: Date };
  readonly scope: string;
  readonly familyId: string | null;
}

/** The verified content of an access token. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  readonly exp: number;
  readonly sid?: string;
  /** The token family; absent from a client's own token (client_credentials), whose subject is its client. */
  readonly fid?: string;
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to. */
  readonly cnf?: { readonly jkt?: string };
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const epochSeconds = () => Math.floor(Date.now() / 1000);

/** OIDC Core §3.1.3.6: the left half of the hash of the access token, with the JWS alg's hash. */
export function atHash(accessToken: string, alg: TenantKeyAlg): string {
  const digest = createHash(alg === "EdDSA" ? "sha512" : "sha256")
    .update(accessToken)
    .digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}

// The claims are set one by one rather than spread from conditional objects (`...(x ? {…} : {})`
// made and copied an object per optional claim on every token); the order, and so the JSON, is the
// same as before.

/** The claims of an access token (RFC 9068). */
function accessTokenClaims(
  input: MintInput,
  subject: string,
  audience: string | string[],
  now: number,
  ttl: number,
): Record<string, unknown> {
  const claims: Record<string, unknown> = { client_id: input.client.clientId, scope: input.scope };
  if (input.familyId !== null) claims.fid = input.familyId;
  if (input.sessionId) claims.sid = input.sessionId;
  if (input.authTime) claims.auth_time = seconds(input.authTime);
  if (input.dpopJkt) claims.cnf = { jkt: input.dpopJkt };
  claims.iss = input.issuer.issuer;
  claims.sub = subject;
  claims.aud = audience;
  claims.iat = now;
  claims.exp = now + ttl;
  claims.jti = randomToken(16);
  return claims;
}

/** The claims of an ID token (OIDC Core §2) that comes with `accessToken`. */
function idTokenClaims(input: MintInput, userId: string, accessToken: string, alg: JwsAlg, now: number): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (input.nonce) claims.nonce = input.nonce;
  if (input.sessionId) claims.sid = input.sessionId;
  if (input.authTime) claims.auth_time = seconds(input.authTime);
  claims.amr = [...(input.amr ?? [])];
  // The level is what the amr reached (factors.ts), so codes and refresh tokens need only carry the amr.
  claims.acr = acrOf(input.amr ?? []);
  claims.at_hash = atHash(accessToken, alg);
  claims.azp = input.client.clientId;
  if (input.groups) claims.groups = [...input.groups];
  claims.iss = input.issuer.issuer;
  claims.sub = userId;
  claims.aud = input.client.clientId;
  claims.iat = now;
  claims.exp = now + input.client.flow.id_token_ttl_seconds;
  return claims;
}

export function signingAlgOf(client: Client): JwsAlg {
  return client.singAlg === "RS256" ? "RS256" : "EdDSA";
}

export class Tokens {
  constructor(
    private readonly keys: TenantKeyStore,
    private readonly issuers: Issuers,
  ) {}

  async mint(input: MintInput): Promise<TokenSet> {
    const { issuer, client } = input;
    const alg = signingAlgOf(client);
    const key = await this.keys.currentKey(issuer.tenantId, alg);
    const now = Math.floor(Date.now() / 1000);
    const accessTtl = client.flow.access_token_ttl_seconds;
    const subject = input.userId ?? client.clientId;
    // The issuer stays an audience of every token: the provider's own endpoints (userinfo,
    // revocation) accept it. Granted admin scopes make the token one for the admin API too.
    const audience = input.userId && input.scope.split(" ").some(isAdminApiScope) ? [issuer.issuer, this.issuers.adminApi] : issuer.issuer;
    const accessToken = signJwt(
      { alg, kid: key.kid, typ: "at+jwt" },
      accessTokenClaims(input, subject, audience, now, accessTtl),
      key.privateKey,
    );
    const idToken =
      input.withIdToken && input.userId
        ? signJwt({ alg, kid: key.kid, typ: "JWT" }, idTokenClaims(input, input.userId, accessToken, alg, now), key.privateKey)
        : undefined;

    let refreshToken: TokenSet["refreshToken"];
    if (input.withRefreshToken) {
      const value = randomToken(32);
      refreshToken = { value, hash: hashSecret(value), expiresAt: new Date((now + client.flow.refresh_token_ttl_seconds) * 1000) };
    }
    const issued: { -readonly [K in keyof TokenSet]: TokenSet[K] } = {
      accessToken,
      expiresIn: accessTtl,
      scope: input.scope,
      familyId: input.familyId,
    };
    if (idToken) issued.idToken = idToken;
    if (refreshToken) issued.refreshToken = refreshToken;
    return issued;
  }

  /**
   * Verifies signature, type, issuer and expiry of an access token of any of our tenants. The
   * database checks (session ended, token or family revoked) are the caller's.
   */
  async verifyAccessToken(token: string): Promise<{ claims: AccessTokenClaims; issuer: TenantIssuer } | undefined> {
    const verified = await this.verifyOurs(token, (issuer) => ({ audience: issuer.issuer, typ: "at+jwt", now: epochSeconds() }));
    if (!verified) return undefined;
    const claims = verified.claims as AccessTokenClaims;
    if (typeof claims.jti !== "string" || typeof claims.client_id !== "string") return undefined;
    // Only a client's own token goes without a family.
    if (typeof claims.fid !== "string" && !(claims.fid === undefined && claims.sub === claims.client_id)) return undefined;
    return { claims, issuer: verified.issuer };
  }

  /** Whether an access token was issued for the admin API: its `aud` names it. */
  isForAdminApi(claims: AccessTokenClaims): boolean {
    const { aud } = claims;
    return Array.isArray(aud) ? aud.includes(this.issuers.adminApi) : aud === this.issuers.adminApi;
  }

  /** Verifies an ID token we issued, accepting an expired one (an `id_token_hint`). */
  async verifyIdTokenHint(token: string): Promise<{ claims: JWTPayload; issuer: TenantIssuer } | undefined> {
    // The hint may have expired: logout must still work with it (RP-Initiated Logout §2).
    return this.verifyOurs(token, () => ({ now: 0 }));
  }

  /** The signing keys of a published set, imported once per set (it is the same object until the keys change). */
  private readonly verificationKeys = new WeakMap<PublishedKeys, ReadonlyMap<string, VerificationKey>>();

  /**
   * Tokens whose signature verified, by their text, with the key set that verified them: a
   * resource server presents one access token many times (userinfo, introspection, the admin
   * API), and verifying an Ed25519 signature costs more than the rest of such a request. Whether
   * a text's signature verifies under a key set never changes, so an entry is reused only with
   * that same set (a rotation or a retirement publishes another) and its claims (expiry, issuer,
   * audience, type) are judged on every use; the database checks are the caller's, every time.
   * Bounded: the oldest entry goes first.
   */
  private readonly verifiedSignatures = new Map<
    string,
    { readonly keys: ReadonlyMap<string, VerificationKey>; readonly signed: SignedJwt }
  >();

  /** A JWT of one of our tenants: its `iss` picks the tenant, whose published keys must verify it. */
  private async verifyOurs(
    token: string,
    expectations: (issuer: TenantIssuer) => Omit<JwtExpectations, "issuer">,
  ): Promise<{ claims: JWTPayload; issuer: TenantIssuer } | undefined> {
    const remembered = this.verifiedSignatures.get(token);
    const issuer = this.issuers.parse((remembered ? remembered.signed.claims.iss : unverifiedIssuerOf(token)) ?? "");
    if (!issuer) return undefined;
    const published = await this.keys.publishedAt(issuer.tenantId).catch(() => undefined);
    if (!published) return undefined;
    let keys = this.verificationKeys.get(published);
    if (!keys) {
      keys = verificationKeysOf(published.jwks as Record<string, unknown>[]);
      this.verificationKeys.set(published, keys);
    }
    let signed = remembered?.keys === keys ? remembered.signed : undefined;
    if (!signed) {
      signed = verifySignature(token, keys);
      if (!signed) return undefined;
      this.rememberSignature(token, keys, signed);
    }
    if (!meetsExpectations(signed, { issuer: issuer.issuer, ...expectations(issuer) })) return undefined;
    return { claims: signed.claims as JWTPayload, issuer };
  }

  private rememberSignature(token: string, keys: ReadonlyMap<string, VerificationKey>, signed: SignedJwt): void {
    this.verifiedSignatures.delete(token);
    if (this.verifiedSignatures.size >= VERIFIED_SIGNATURES_KEPT) {
      const oldest = this.verifiedSignatures.keys().next().value;
      if (oldest !== undefined) this.verifiedSignatures.delete(oldest);
    }
    this.verifiedSignatures.set(token, { keys, signed });
  }
}

/** Verified token texts kept (Tokens.verifiedSignatures): a few MiB at most. */
const VERIFIED_SIGNATURES_KEPT = 2048;

/** The `iss` a JWT claims, before anything is verified (it names the tenant whose keys must verify it). */
function unverifiedIssuerOf(token: string): string | undefined {
  const start = token.indexOf(".");
  const end = token.indexOf(".", start + 1);
  if (start < 0 || end < 0) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.slice(start + 1, end), "base64url").toString("utf8"));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}
