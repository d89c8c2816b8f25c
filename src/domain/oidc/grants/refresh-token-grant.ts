// grant_type=refresh_token with rotation (RFC 9700 §4.14.2): every use returns a new refresh
// token and retires the old one; presenting a retired token again revokes the whole family.
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../../crypto/secret-hash.js";
import type { Client } from "../../../persistence/entities/client.js";
import type { Issuers } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";
import { executeSql } from "../../../persistence/execute-sql.js";

export interface RefreshTokenContext {
  readonly familyId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly scope: string;
  readonly issuer: string;
  readonly authTime: Date;
  readonly amr: string[];
}

interface RefreshRow {
  family_id: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  issuer: string;
  auth_time: Date;
  amr: string[];
}

export async function storeRefreshToken(
  em: EntityManager,
  tenantId: string,
  token: { hash: Buffer; expiresAt: Date },
  context: RefreshTokenContext,
): Promise<void> {
  await executeSql(
    em,
    `insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr, expires_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())`,
    [
      token.hash,
      tenantId,
      context.familyId,
      context.clientId,
      context.userId,
      context.sessionId,
      context.scope,
      context.issuer,
      context.authTime,
      JSON.stringify(context.amr),
      token.expiresAt,
    ],
    "run",
  );
}

// Retires the token, in the same statement checking that it belongs to the calling client (another
// client cannot burn it) and that its family, session and user are live.
const ROTATE = `update refresh_token r set rotated_at = now()
  where r.hash = ? and r.tenant_id = ? and r.client_id = ? and r.rotated_at is null and r.expires_at > now()
    and exists (select 1 from token_family f where f.id = r.family_id and f.revoked_at is null)
    and not exists (select 1 from user_session s where s.id = r.session_id and s.ended_at is not null)
    and exists (select 1 from app_user u where u.id = r.user_id and not u.is_disabled)
  returning r.family_id, r.client_id, r.user_id, r.session_id, r.scope, r.issuer, r.auth_time, r.amr`;

export async function refreshTokenGrant(
  em: EntityManager,
  deps: { tokens: Tokens; issuers: Issuers },
  tenantId: string,
  client: Client,
  input: { refreshToken: string; scope: string },
): Promise<TokenSet> {
  const hash = hashSecret(input.refreshToken);
  const [row] = (await executeSql(em, ROTATE, [hash, tenantId, client.clientId])) as RefreshRow[];
  if (!row) {
    // A retired token presented again (by its client) means it was stolen or replayed: revoke the family.
    await executeSql(
      em,
      `update token_family set revoked_at = now() where revoked_at is null and id = (
         select family_id from refresh_token where hash = ? and tenant_id = ? and client_id = ? and rotated_at is not null)`,
      [hash, tenantId, client.clientId],
      "run",
    );
    throw oauthError("invalid_grant", "The refresh token is invalid, expired or revoked");
  }
  const granted = row.scope.split(" ");
  const requested = input.scope ? input.scope.split(" ").filter(Boolean) : granted;
  if (requested.some((scope) => !granted.includes(scope))) throw oauthError("invalid_scope", "A refresh cannot widen the granted scopes");
  const issuer = deps.issuers.parse(row.issuer);
  if (!issuer) throw oauthError("invalid_grant", "The token's issuer is unknown");
  const scope = requested.join(" ");
  const context: RefreshTokenContext = {
    familyId: row.family_id,
    clientId: client.clientId,
    userId: row.user_id,
    sessionId: row.session_id,
    scope,
    issuer: row.issuer,
    authTime: new Date(row.auth_time),
    amr: row.amr,
  };
  const tokens = await deps.tokens.mint(em, {
    issuer,
    client,
    userId: row.user_id,
    sessionId: row.session_id,
    familyId: row.family_id,
    scope,
    authTime: context.authTime,
    amr: row.amr,
    withIdToken: requested.includes("openid"),
    withRefreshToken: true,
  });
  if (tokens.refreshToken) await storeRefreshToken(em, tenantId, tokens.refreshToken, context);
  return tokens;
}
