// grant_type=client_credentials (RFC 6749 §4.4): confidential clients acting for themselves.
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Client } from "../../../persistence/entities/client.js";
import { randomId } from "../../login/single-use-secrets.js";
import type { TenantIssuer } from "../issuers.js";
import { oauthError } from "../oauth-error.js";
import type { Tokens, TokenSet } from "../tokens.js";
import { executeSql } from "../../../persistence/execute-sql.js";

/** Scopes that only make sense for a user. */
const USER_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

export async function clientCredentialsGrant(
  em: EntityManager,
  tokens: Tokens,
  issuer: TenantIssuer,
  client: Client,
  input: { scope: string },
): Promise<TokenSet> {
  if (client.clientType !== "confidential") throw oauthError("unauthorized_client", "Public clients cannot use client_credentials");
  const allowed = client.allowedScopes.filter((scope) => !USER_SCOPES.has(scope));
  const requested = input.scope ? input.scope.split(" ").filter(Boolean) : allowed;
  const refused = requested.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) throw oauthError("invalid_scope", `Scopes not allowed for this client: ${refused.join(" ")}`);
  const familyId = randomId();
  await executeSql(
    em,
    "insert into token_family (id, tenant_id, client_id, user_id, session_id, revoked_at, created_at) values (?, ?, ?, null, null, null, now())",
    [familyId, issuer.tenantId, client.clientId],
    "run",
  );
  return tokens.mint(em, {
    issuer,
    client,
    userId: null,
    sessionId: null,
    familyId,
    scope: requested.join(" "),
    withIdToken: false,
    withRefreshToken: false,
  });
}
