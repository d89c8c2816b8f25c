// grant_type=refresh_token with rotation (RFC 9700 §4.14.2): every use returns a new refresh
// token and retires the old one; presenting a retired token again revokes the whole family.
//
// Nothing is written until the request has been checked and its tokens minted; then one statement
// retires the old token and stores its successor. A crash leaves either the old token live or the
// successor stored, never neither. For the second case — the client never got the answer — the
// retired token may be presented again within the reuse grace while its successor is unused: the
// unused successor is then retired in the same statement that stores the new one, so that one
// token never has two live successors (docs/oidc.md).
import { groupsClaim } from "../groups-claim.js";
import { hashSecret } from "../../../crypto/secret-hash.js";
import type { Client } from "../../../persistence/entities/client.js";
import type { GrantRepository } from "../../../persistence/repositories/grant-repository.js";
import type { TenantRepositories } from "../../../persistence/repositories/tenant-repositories.js";
import type { Issuers } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";

export interface RefreshGrantDeps {
  readonly tokens: Tokens;
  readonly issuers: Issuers;
  /** How long a rotated token may be presented again while its successor is unused; 0: never. */
  readonly reuseGraceSeconds: number;
}

const invalidGrant = () => oauthError("invalid_grant", "The refresh token is invalid, expired or revoked");

/** Refuses the token, revoking its family if the token has been rotated (a reuse). */
async function revokeReusedFamily(grants: GrantRepository, familyId: string, hash: Buffer): Promise<never> {
  await grants.revokeFamilyOfReusedToken(familyId, hash);
  throw invalidGrant();
}

export async function refreshTokenGrant(
  repos: TenantRepositories,
  deps: RefreshGrantDeps,
  client: Client,
  input: { refreshToken: string; scope: string; dpopJkt?: string | undefined },
): Promise<TokenSet> {
  const hash = hashSecret(input.refreshToken);
  const { grants } = repos;
  const row = await grants.findRefreshToken(hash, client.clientId, deps.reuseGraceSeconds);
  if (!row) throw invalidGrant();
  // RFC 9449 §5: a token whose family is bound to a DPoP key only with a proof of that key —
  // checked before anything else, so that a replay without the key revokes nothing.
  if (row.dpopJkt && row.dpopJkt !== input.dpopJkt) {
    throw oauthError("invalid_grant", "The refresh token is bound to another DPoP key; send a proof of that key");
  }
  if (row.rotated && !row.reissuable) return revokeReusedFamily(grants, row.familyId, hash);
  if (!row.live) throw invalidGrant();
  const granted = row.scope.split(" ");
  const requested = input.scope ? input.scope.split(" ").filter(Boolean) : granted;
  if (requested.some((scope) => !granted.includes(scope))) throw oauthError("invalid_scope", "A refresh cannot widen the granted scopes");
  const issuer = deps.issuers.parse(row.issuer);
  if (!issuer) throw oauthError("invalid_grant", "The token's issuer is unknown");

  // A narrower scope applies to this answer's tokens only; the successor keeps the grant's scope.
  const scope = requested.join(" ");
  const tokens = await deps.tokens.mint({
    issuer,
    client,
    userId: row.userId,
    sessionId: row.sessionId,
    familyId: row.familyId,
    scope,
    authTime: row.authTime,
    amr: row.amr,
    withIdToken: requested.includes("openid"),
    withRefreshToken: true,
    dpopJkt: input.dpopJkt,
    ...(row.userId ? await groupsClaim(repos.groups, row.userId, scope) : {}),
  });
  const successor = tokens.refreshToken;
  if (!successor) throw new Error("a refresh grant minted no refresh token");
  const stored =
    row.rotated && row.successorHash ? await grants.reissue(hash, row.successorHash, successor) : await grants.rotate(hash, successor);
  // Nothing stored: since the lookup, another request used the token (a concurrent reuse), or its
  // family, session or user ended. Only a reuse revokes the family.
  if (!stored) return revokeReusedFamily(grants, row.familyId, hash);
  return tokens;
}
