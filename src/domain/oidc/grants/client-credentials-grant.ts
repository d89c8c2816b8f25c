// grant_type=client_credentials (RFC 6749 §4.4): confidential clients acting for themselves.
import type { Client } from "../../../persistence/entities/client.js";
import { isAdminApiScope } from "../../auth/permissions.js";
import type { TenantIssuer } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";

/** Scopes that only make sense for a user. */
const USER_SCOPES = new Set(["openid", "profile", "email", "address", "phone", "offline_access", "groups"]);

// Not async: the token comes from `mint`'s own promise, without another one wrapped around it
// (a refusal still throws before anything is minted, and the caller awaits either way).
export function clientCredentialsGrant(
  tokens: Tokens,
  issuer: TenantIssuer,
  client: Client,
  input: { scope: string; dpopJkt?: string | undefined },
): Promise<TokenSet> {
  if (client.clientType !== "confidential") throw oauthError("unauthorized_client", "Public clients cannot use client_credentials");
  // The admin API's scopes are a user's too: a token for it acts as its user.
  const allowed = client.allowedScopes.filter((scope) => !USER_SCOPES.has(scope) && !isAdminApiScope(scope));
  const requested = input.scope ? input.scope.split(" ").filter(Boolean) : allowed;
  const refused = requested.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) throw oauthError("invalid_scope", `Scopes not allowed for this client: ${refused.join(" ")}`);
  // No token family and no statement: the token has no refresh token to revoke as a family; it is
  // refused once its client is deleted or its jti revoked (GrantRepository.liveAccessToken).
  return tokens.mint({
    issuer,
    client,
    userId: null,
    sessionId: null,
    familyId: null,
    scope: requested.join(" "),
    withIdToken: false,
    withRefreshToken: false,
    dpopJkt: input.dpopJkt,
  });
}
