// An access token is valid when its signature verifies AND, in the database, its family is not
// revoked, its session (if any) has not ended, its own jti was not revoked, and its user is not
// disabled — one query, which also returns what userinfo and the admin API need of the user.
import type { EntityManager } from "@mikro-orm/postgresql";
import type { AccessTokenVerifier } from "../auth/authenticator.js";
import { type Principal, roleOf, scopesOfRole } from "../auth/permissions.js";
import type { TenantIssuer } from "./issuers.js";
import type { AccessTokenClaims, Tokens } from "./tokens.js";
import { executeSql } from "../../persistence/execute-sql.js";

export interface LiveUser {
  id: string;
  tenant_id: string;
  username: string;
  email: string | null;
  is_verified: boolean;
  locale: string;
  roles: string[];
  created_at: Date;
  updated_at: Date;
}

const LIVE_QUERY = `select u.id, u.tenant_id, u.username, u.email, u.is_verified, u.locale, u.roles, u.created_at, u.updated_at
  from token_family f
  left join app_user u on u.id = f.user_id
  left join user_session s on s.id = f.session_id
  where f.id = ? and f.tenant_id = ? and f.revoked_at is null
    and (f.session_id is null or s.ended_at is null)
    and (u.id is null or not u.is_disabled)
    and not exists (select 1 from revoked_access_token r where r.jti = ?)`;

export interface CheckedAccessToken {
  readonly claims: AccessTokenClaims;
  readonly issuer: TenantIssuer;
  /** The user, or undefined for a client_credentials token. */
  readonly user: LiveUser | undefined;
}

export async function checkAccessToken(em: EntityManager, tokens: Tokens, token: string): Promise<CheckedAccessToken | undefined> {
  const verified = await tokens.verifyAccessToken(em, token);
  if (!verified) return undefined;
  const { claims, issuer } = verified;
  const rows = (await executeSql(em, LIVE_QUERY, [claims.fid, issuer.tenantId, claims.jti])) as (LiveUser | { id: null })[];
  const row = rows[0];
  if (!row) return undefined;
  return { claims, issuer, user: row.id === null ? undefined : (row as LiveUser) };
}

/** Bearer access tokens as principals of the admin API, with their user's role. */
export function accessTokenPrincipals(em: () => EntityManager, tokens: Tokens): AccessTokenVerifier {
  return {
    async verify(token: string): Promise<Principal | undefined> {
      const checked = await checkAccessToken(em(), tokens, token);
      if (!checked?.user) return undefined;
      const role = roleOf(checked.user.roles);
      return {
        kind: "access_token",
        userId: checked.user.id,
        tenantId: checked.issuer.tenantId,
        role,
        scopes: scopesOfRole(role),
        global: role === "super_admin",
        ...(checked.claims.sid ? { sessionId: checked.claims.sid } : {}),
      };
    },
  };
}
