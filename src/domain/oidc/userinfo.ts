// UserInfo (OpenID Connect Core §5.3): the claims of the granted scopes, as the reference's
// sample shows them.
import type { CheckedAccessToken } from "./access-token-check.js";
import { oauthError } from "./oauth-error.js";

export function userinfoClaims(checked: CheckedAccessToken): Record<string, unknown> {
  const { user, claims } = checked;
  if (!user) throw oauthError("invalid_token", "The token has no user (client_credentials)");
  const scopes = new Set(claims.scope.split(" "));
  if (!scopes.has("openid")) throw oauthError("insufficient_scope", "The token was not granted the openid scope");
  return {
    sub: user.id,
    tenant_id: user.tenantId,
    ...(scopes.has("profile")
      ? {
          name: user.username,
          preferred_username: user.username,
          locale: user.locale,
          created_at: Math.floor(user.createdAt.getTime() / 1000),
          updated_at: Math.floor(user.updatedAt.getTime() / 1000),
        }
      : {}),
    ...(scopes.has("email") && user.email ? { email: user.email, email_verified: user.isVerified } : {}),
  };
}
