// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §4.5). A code is used
// once: the UPDATE … WHERE used_at IS NULL wins exactly once, and a replay revokes everything the
// code issued.
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../../crypto/secret-hash.js";
import type { Client } from "../../../persistence/entities/client.js";
import { pkceMatches } from "../authorization.js";
import type { Issuers } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";
import { storeRefreshToken } from "./refresh-token-grant.js";
import { executeSql } from "../../../persistence/execute-sql.js";

interface CodeRow {
  family_id: string;
  client_id: string;
  user_id: string;
  session_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  nonce: string | null;
  scope: string;
  issuer: string;
  auth_time: Date;
  amr: string[];
}

// Marks the code used and checks, in the same statement, that it belongs to the calling client
// (another client cannot burn it), that its session and user are still active and its family
// not revoked.
const REDEEM = `update authorization_code c set used_at = now()
  where c.hash = ? and c.tenant_id = ? and c.client_id = ? and c.used_at is null and c.expires_at > now()
    and exists (select 1 from user_session s join app_user u on u.id = s.user_id
                where s.id = c.session_id and s.ended_at is null and not u.is_disabled)
    and exists (select 1 from token_family f where f.id = c.family_id and f.revoked_at is null)
  returning c.family_id, c.client_id, c.user_id, c.session_id, c.redirect_uri, c.code_challenge, c.nonce, c.scope, c.issuer,
    c.auth_time, c.amr`;

export async function authorizationCodeGrant(
  em: EntityManager,
  deps: { tokens: Tokens; issuers: Issuers },
  tenantId: string,
  client: Client,
  input: { code: string; redirectUri: string; codeVerifier: string },
): Promise<TokenSet> {
  const hash = hashSecret(input.code);
  const [code] = (await executeSql(em, REDEEM, [hash, tenantId, client.clientId])) as CodeRow[];
  if (!code) {
    // Used before: a replay. Revoke what the code issued (RFC 9700 §4.5.3.1).
    await executeSql(
      em,
      `update token_family set revoked_at = now() where revoked_at is null and id = (
         select family_id from authorization_code where hash = ? and tenant_id = ? and client_id = ? and used_at is not null)`,
      [hash, tenantId, client.clientId],
      "run",
    );
    throw oauthError("invalid_grant", "The authorization code is invalid, expired or already used");
  }
  if (code.redirect_uri !== input.redirectUri) throw oauthError("invalid_grant", "redirect_uri does not match the authorization request");
  if (code.code_challenge) {
    if (!input.codeVerifier || !pkceMatches(input.codeVerifier, code.code_challenge))
      throw oauthError("invalid_grant", "PKCE verification failed");
  } else if (input.codeVerifier) {
    throw oauthError("invalid_grant", "code_verifier sent, but the authorization request had no code_challenge");
  }
  const issuer = deps.issuers.parse(code.issuer);
  if (!issuer) throw oauthError("invalid_grant", "The code's issuer is unknown");
  const scopes = code.scope.split(" ");
  const tokens = await deps.tokens.mint(em, {
    issuer,
    client,
    userId: code.user_id,
    sessionId: code.session_id,
    familyId: code.family_id,
    scope: code.scope,
    nonce: code.nonce,
    authTime: new Date(code.auth_time),
    amr: code.amr,
    withIdToken: scopes.includes("openid"),
    withRefreshToken: client.flow.grant_types.includes("refresh_token"),
  });
  if (tokens.refreshToken) {
    await storeRefreshToken(em, tenantId, tokens.refreshToken, {
      familyId: code.family_id,
      clientId: client.clientId,
      userId: code.user_id,
      sessionId: code.session_id,
      scope: code.scope,
      issuer: code.issuer,
      authTime: new Date(code.auth_time),
      amr: code.amr,
    });
  }
  return tokens;
}
