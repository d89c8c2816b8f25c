// Which tenant a login step is for: the pending authorization request's (`auth_req_id`), else the
// `tenant_id` query parameter, else the configured default tenant — as resolveAuthTarget decides,
// but without loading the tenant row, which each login step reads with its first statement.
import type { PlainSql } from "../../persistence/plain-sql.js";
import { sql } from "../../persistence/sql-fragment.js";
import { authRequestNotFound } from "./auth-target.js";

export interface LoginScope {
  readonly tenantId: string;
  /** The authorization request the login belongs to, if any. */
  readonly authReqId: string | null;
  /** The client of that request, for the audit trail (null when it no longer exists). */
  readonly clientId: string | null;
}

interface AuthRequestRow {
  tenant_id: string;
  expires_at: Date | string;
  client_id: string | null;
}

export async function resolveLoginScope(
  db: PlainSql,
  input: { authReqId?: string; tenantId?: string },
  defaultTenant: string,
): Promise<LoginScope> {
  if (!input.authReqId) return { tenantId: input.tenantId || defaultTenant, authReqId: null, clientId: null };
  // The id names its tenant; deliberately looked up across tenants (by primary key).
  const [request] = await db.rows<AuthRequestRow>(sql`select ar.tenant_id, ar.expires_at, cl.client_id
    from auth_request ar left join client cl on cl.tenant_id = ar.tenant_id and cl.client_id = ar.client_id
    where ar.id = ${input.authReqId}`);
  if (!request || new Date(request.expires_at).getTime() <= Date.now()) throw authRequestNotFound();
  return { tenantId: request.tenant_id, authReqId: input.authReqId, clientId: request.client_id };
}
