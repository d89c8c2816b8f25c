// Token revocation (RFC 7009). A refresh token takes its whole family with it (and so the access
// tokens of the same grant); an access token is denied by its jti until it expires. The caller
// revokes only what was issued to it: an OAuth client its clients' tokens, a signed-in user (API
// key or bearer token, ROUTES.md #22) their own. Unknown or foreign tokens answer the same
// success, so that the endpoint reveals nothing.
import { hashSecret } from "../../crypto/secret-hash.js";
import type { TokenOwner } from "../../persistence/repositories/grant-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Tokens } from "./tokens.js";

export type { TokenOwner } from "../../persistence/repositories/grant-repository.js";

export async function revokeToken(
  repos: TenantRepositories,
  tokens: Tokens,
  owner: TokenOwner,
  token: string,
  hint: string,
): Promise<void> {
  const { tenantId, grants } = repos;
  const asRefresh = () => grants.revokeFamilyOfRefreshToken(hashSecret(token), owner);
  const asAccess = async () => {
    const verified = await tokens.verifyAccessToken(token);
    if (!verified || verified.issuer.tenantId !== tenantId) return false;
    const { claims } = verified;
    // A client_credentials token's subject is its client, never a user.
    if ("clientId" in owner ? claims.client_id !== owner.clientId : claims.sub !== owner.userId || claims.sub === claims.client_id) {
      return false;
    }
    await grants.denyAccessToken(claims.jti, claims.exp);
    return true;
  };
  // The hint only orders the attempts (RFC 7009 §2.1).
  const attempts = hint === "access_token" ? [asAccess, asRefresh] : [asRefresh, asAccess];
  for (const attempt of attempts) if (await attempt()) return;
}
