// Resolves the caller of a request from its credentials: an API key (`X-API-Key`, or
// `Authorization: Bearer svk_…` as SCIM clients send it) or an access token of a signed-in user
// (`Authorization: Bearer <jwt>`, verified by the OIDC layer through AccessTokenVerifier).
import type { MikroORM } from "@mikro-orm/postgresql";
import { unauthenticated } from "../../errors/domain-error.js";
import type { Logger } from "../../logging/logger.js";
import { secretMatches } from "../../crypto/secret-hash.js";
import { looksLikeApiKey, parseApiKey } from "./api-key-secret.js";
import { effectiveScopes, type Principal, roleOf } from "./permissions.js";

/** Verifies a bearer access token; undefined when it is not valid (expired, revoked, foreign). */
export interface AccessTokenVerifier {
  verify(token: string): Promise<Principal | undefined>;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  user_id: string;
  scopes: string[];
  secret_hash: Buffer;
  is_active: boolean;
  last_use_at: Date | null;
  roles: string[];
  is_disabled: boolean;
  home_tenant_id: string;
}

// Authentication resolves the tenant, so this read is deliberately not tenant-scoped.
const API_KEY_QUERY = `select k.id, k.tenant_id, k.user_id, k.scopes, k.secret_hash, k.is_active, k.last_use_at,
  u.roles, u.is_disabled, u.tenant_id as home_tenant_id
  from api_key k join app_user u on u.id = k.user_id where k.id = ?`;

/** `last_use_at` is written at most this often per key, not on every request. */
const LAST_USE_RESOLUTION_MS = 60_000;

export class Authenticator {
  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly accessTokens?: AccessTokenVerifier,
  ) {}

  /** The caller, or undefined when the request carries no credentials. Bad credentials throw. */
  async authenticate(headers: Headers): Promise<Principal | undefined> {
    const apiKey = headers.get("x-api-key");
    if (apiKey) return this.fromApiKey(apiKey);
    const authorization = headers.get("authorization");
    if (!authorization) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated("Unsupported Authorization scheme: use Bearer");
    const token = match[1] as string;
    if (looksLikeApiKey(token)) return this.fromApiKey(token);
    const principal = await this.accessTokens?.verify(token);
    if (!principal) throw unauthenticated("Invalid or expired access token");
    return principal;
  }

  private async fromApiKey(presented: string): Promise<Principal> {
    const parsed = parseApiKey(presented);
    if (!parsed) throw unauthenticated("Invalid API key");
    const row = (await this.orm.em.getConnection().execute(API_KEY_QUERY, [parsed.id], "get")) as ApiKeyRow | undefined;
    if (!row?.is_active || row.is_disabled || !secretMatches(parsed.secret, row.secret_hash)) {
      throw unauthenticated("Invalid API key");
    }
    this.recordUse(row);
    const ownerRole = roleOf(row.roles);
    const home = row.tenant_id === row.home_tenant_id;
    // A super admin's key made for another tenant administers only that tenant.
    const role = ownerRole === "super_admin" && !home ? "tenant_admin" : ownerRole;
    if (!home && ownerRole !== "super_admin") throw unauthenticated("Invalid API key");
    return {
      kind: "api_key",
      userId: row.user_id,
      tenantId: row.tenant_id,
      role,
      scopes: effectiveScopes(row.scopes, role),
      global: role === "super_admin",
      apiKeyId: row.id,
    };
  }

  private recordUse(row: ApiKeyRow): void {
    if (row.last_use_at && Date.now() - new Date(row.last_use_at).getTime() < LAST_USE_RESOLUTION_MS) return;
    this.orm.em
      .getConnection()
      .execute("update api_key set last_use_at = now() where id = ?", [row.id], "run")
      .catch((error: unknown) => this.logger.warn({ err: error, keyId: row.id }, "could not record API key use"));
  }
}
