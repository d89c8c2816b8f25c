// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §4.5). A code is used
// once, and a replay revokes everything the code issued.
//
// Nothing is written until the request has been checked (redirect URI, PKCE, issuer) and its
// tokens minted: a wrong verifier or redirect URI leaves the code usable for the right one. Then
// one statement marks the code used and stores the first refresh token: both or neither.
import { groupsClaim } from "../groups-claim.js";
import { hashSecret } from "../../../crypto/secret-hash.js";
import type { Client } from "../../../persistence/entities/client.js";
import type { GrantRepository } from "../../../persistence/repositories/grant-repository.js";
import type { TenantRepositories } from "../../../persistence/repositories/tenant-repositories.js";
import { pkceMatches } from "../authorization.js";
import type { Issuers } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";

const invalidCode = () => oauthError("invalid_grant", "The authorization code is invalid, expired or already used");

/** Refuses the code, revoking its family if the code has been used (a replay). */
async function revokeReplayedFamily(grants: GrantRepository, familyId: string, hash: Buffer): Promise<never> {
  await grants.revokeFamilyOfReplayedCode(familyId, hash);
  throw invalidCode();
}

export async function authorizationCodeGrant(
  repos: TenantRepositories,
  deps: { tokens: Tokens; issuers: Issuers },
  client: Client,
  input: { code: string; redirectUri: string; codeVerifier: string; dpopJkt?: string | undefined },
): Promise<TokenSet> {
  const hash = hashSecret(input.code);
  const { grants } = repos;
  const code = await grants.findCode(hash, client.clientId);
  if (!code) throw invalidCode();
  if (code.used) return revokeReplayedFamily(grants, code.familyId, hash);
  if (!code.live) throw invalidCode();
  if (code.redirectUri !== input.redirectUri) throw oauthError("invalid_grant", "redirect_uri does not match the authorization request");
  if (code.codeChallenge) {
    if (!input.codeVerifier || !pkceMatches(input.codeVerifier, code.codeChallenge))
      throw oauthError("invalid_grant", "PKCE verification failed");
  } else if (input.codeVerifier) {
    throw oauthError("invalid_grant", "code_verifier sent, but the authorization request had no code_challenge");
  }
  // RFC 9449 §10: a code bound to a DPoP key (`dpop_jkt`) is redeemed only with a proof of it.
  if (code.dpopJkt && code.dpopJkt !== input.dpopJkt) {
    throw oauthError("invalid_grant", "The authorization code is bound to a DPoP key: send a DPoP proof of that key");
  }
  const issuer = deps.issuers.parse(code.issuer);
  if (!issuer) throw oauthError("invalid_grant", "The code's issuer is unknown");

  const tokens = await deps.tokens.mint({
    issuer,
    client,
    userId: code.userId,
    sessionId: code.sessionId,
    familyId: code.familyId,
    scope: code.scope,
    nonce: code.nonce,
    authTime: code.authTime,
    amr: code.amr,
    withIdToken: code.scope.split(" ").includes("openid"),
    withRefreshToken: client.flow.grant_types.includes("refresh_token"),
    dpopJkt: input.dpopJkt,
    ...(code.userId ? await groupsClaim(repos.groups, code.userId, code.scope) : {}),
  });
  // Not redeemed: since the lookup, another request redeemed the code (a concurrent replay), or
  // its session, user or family ended. Only a replay revokes the family.
  if (!(await grants.redeemCode(hash, tokens.refreshToken))) return revokeReplayedFamily(grants, code.familyId, hash);
  return tokens;
}
