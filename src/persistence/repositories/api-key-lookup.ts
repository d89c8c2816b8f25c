// The one read of API keys across tenants: authentication resolves a presented key to its tenant
// and user (the key's id says nothing of its tenant), before any tenant is known. The key's secret
// is checked by the caller against the hash this returns. Its statements say `/* cross-tenant */`.
// Every API call with a key makes this look-up first, so it runs as a plain prepared statement
// (plain-sql.ts: no EntityManager, no query formatting, parsed and planned once per connection).
import { sql } from "../sql-fragment.js";
import type { RowSource } from "./passkey-repository.js";

/** A stored API key with what authentication needs of its user. */
export interface ApiKeyCredential {
  readonly id: string;
  /** The tenant the key acts in. */
  readonly tenantId: string;
  readonly userId: string;
  readonly scopes: string[];
  readonly secretHash: Buffer;
  readonly isActive: boolean;
  readonly lastUseAt: Date | null;
  /** The user's roles and state, in the user's own (home) tenant. */
  readonly userRoles: string[];
  readonly userDisabled: boolean;
  readonly homeTenantId: string;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  user_id: string;
  scopes: string[];
  secret_hash: Buffer;
  is_active: boolean;
  last_use_at: Date | string | null;
  roles: string[];
  is_disabled: boolean;
  home_tenant_id: string;
}

export class ApiKeyLookup {
  /**
   * `source` runs statements only (no entities), so one outside any request serves every
   * authentication: the process's plain statements (Database.sql), or a unit of work.
   */
  constructor(private readonly source: RowSource) {}

  async find(keyId: string): Promise<ApiKeyCredential | undefined> {
    const [row] = await this.source.rows<ApiKeyRow>(sql`select /* cross-tenant: resolving an API key */ k.id, k.tenant_id, k.user_id,
        k.scopes, k.secret_hash, k.is_active, k.last_use_at, u.roles, u.is_disabled, u.tenant_id as home_tenant_id
      from api_key k join app_user u on u.id = k.user_id where k.id = ${keyId}`);
    return (
      row && {
        id: row.id,
        tenantId: row.tenant_id,
        userId: row.user_id,
        scopes: row.scopes,
        secretHash: row.secret_hash,
        isActive: row.is_active,
        lastUseAt: row.last_use_at === null ? null : new Date(row.last_use_at),
        userRoles: row.roles,
        userDisabled: row.is_disabled,
        homeTenantId: row.home_tenant_id,
      }
    );
  }

  /** Records that the key was used now (by the key's id, which is unique across tenants). */
  async recordUse(keyId: string, tenantId: string): Promise<void> {
    await this.source.rows(sql`update api_key set last_use_at = now() where tenant_id = ${tenantId} and id = ${keyId}`);
  }
}
