// Token introspection (RFC 7662) for resource servers. The caller is an authenticated
// confidential client of the tenant (the token endpoint's client authentication). An access token
// (a JWT of ours) is active while its signature verifies, it is unexpired and it is live
// (access-token-check.ts: family, session, jti and user, one statement or its verdict kept in
// memory until one of them changes); a refresh token
// while it is unexpired, unrotated and live, and only to the client it was issued to (it is that
// client's credential, RFC 7662 §4). A token of another tenant, or anything unknown, answers only
// `active: false`, so that the endpoint reveals nothing about it.
import { hashSecret } from "../../crypto/secret-hash.js";
import type { Client } from "../../persistence/entities/client.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { oauthError } from "./oauth-error.js";
import type { AccessTokenChecks } from "./access-token-check.js";

/** The answer of RFC 7662 §2.2; an inactive token has nothing but `active: false`. */
export interface Introspection {
  readonly active: boolean;
  readonly scope?: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly tokenType?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly iss?: string;
  readonly jti?: string;
  readonly sid?: string;
  readonly cnf?: { readonly jkt: string };
}

const INACTIVE: Introspection = { active: false };
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export async function introspectToken(
  repos: TenantRepositories,
  accessTokens: AccessTokenChecks,
  client: Client,
  token: string,
  hint: string,
): Promise<Introspection> {
  // A public client proves nothing about itself, so it may not learn about tokens (RFC 7662 §2.1).
  if (client.clientType !== "confidential") {
    throw oauthError("invalid_client", "Only confidential clients may introspect tokens");
  }
  if (!token) throw oauthError("invalid_request", "token is required");
  const asAccess = () => introspectAccessToken(repos, accessTokens, token);
  const asRefresh = () => introspectRefreshToken(repos, client, token);
  // The hint only orders the attempts (RFC 7662 §2.1). A JWT is never a refresh token of ours
  // (those are random strings without dots), so the order costs at most one lookup.
  const attempts = hint === "refresh_token" ? [asRefresh, asAccess] : [asAccess, asRefresh];
  for (const attempt of attempts) {
    const answer = await attempt();
    if (answer) return answer;
  }
  return INACTIVE;
}

/** The access token's answer, or undefined when it is not an access token of this tenant's that is live. */
async function introspectAccessToken(
  repos: TenantRepositories,
  accessTokens: AccessTokenChecks,
  token: string,
): Promise<Introspection | undefined> {
  if (token.split(".").length !== 3) return undefined;
  const verified = await accessTokens.tokens.verifyAccessToken(token);
  if (!verified || verified.issuer.tenantId !== repos.tenantId) return undefined;
  const { claims } = verified;
  const live = await accessTokens.verdicts.live(repos, claims);
  if (!live) return undefined;
  const jkt = claims.cnf?.jkt;
  return {
    active: true,
    scope: claims.scope,
    clientId: claims.client_id,
    ...(live.user ? { username: live.user.username } : {}),
    tokenType: jkt ? "DPoP" : "Bearer",
    exp: claims.exp,
    ...(claims.iat !== undefined ? { iat: claims.iat } : {}),
    sub: claims.sub,
    ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
    iss: claims.iss,
    jti: claims.jti,
    ...(claims.sid ? { sid: claims.sid } : {}),
    ...(jkt ? { cnf: { jkt } } : {}),
  };
}

/** The refresh token's answer, or undefined when the tenant has no such active token of `client`. */
async function introspectRefreshToken(repos: TenantRepositories, client: Client, token: string): Promise<Introspection | undefined> {
  if (token.includes(".")) return undefined;
  const stored = await repos.grants.introspectRefreshToken(hashSecret(token));
  if (!stored?.active || stored.clientId !== client.clientId) return undefined;
  return {
    active: true,
    scope: stored.scope,
    clientId: stored.clientId,
    username: stored.username,
    tokenType: "refresh_token",
    exp: seconds(stored.expiresAt),
    iat: seconds(stored.createdAt),
    sub: stored.userId,
    iss: stored.issuer,
    ...(stored.sessionId ? { sid: stored.sessionId } : {}),
  };
}
