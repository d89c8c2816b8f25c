// Token revocation (RFC 7009). A refresh token takes its whole family with it (and so the access
// tokens of the same grant); an access token is denied by its jti until it expires. Unknown or
// foreign tokens answer the same success, so that the endpoint reveals nothing.
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import type { Client } from "../../persistence/entities/client.js";
import type { Tokens } from "./tokens.js";
import { executeSql } from "../../persistence/execute-sql.js";

export async function revokeToken(
  em: EntityManager,
  tokens: Tokens,
  tenantId: string,
  client: Client,
  token: string,
  hint: string,
): Promise<void> {
  const asRefresh = async () => {
    const revoked = (await executeSql(
      em,
      `update token_family set revoked_at = now() where revoked_at is null and tenant_id = ? and client_id = ? and id = (
         select family_id from refresh_token where hash = ? and tenant_id = ?) returning id`,
      [tenantId, client.clientId, hashSecret(token), tenantId],
    )) as unknown[];
    return revoked.length > 0;
  };
  const asAccess = async () => {
    const verified = await tokens.verifyAccessToken(em, token);
    if (!verified || verified.issuer.tenantId !== tenantId || verified.claims.client_id !== client.clientId) return false;
    await executeSql(
      em,
      "insert into revoked_access_token (jti, tenant_id, expires_at) values (?, ?, to_timestamp(?)) on conflict (jti) do nothing",
      [verified.claims.jti, tenantId, verified.claims.exp],
      "run",
    );
    return true;
  };
  // The hint only orders the attempts (RFC 7009 §2.1).
  const attempts = hint === "access_token" ? [asAccess, asRefresh] : [asRefresh, asAccess];
  for (const attempt of attempts) if (await attempt()) return;
}
