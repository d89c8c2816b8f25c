// Which tenant a login step is for: the pending authorization request's (`auth_req_id`), else the
// `tenant_id` query parameter, else the configured default tenant — as resolveAuthTarget decides,
// but without loading the tenant row, which each login step reads with its first statement.
import type { LoginStore } from "../../persistence/repositories/login-repository.js";
import { authRequestNotFound } from "./auth-target.js";

export interface LoginScope {
  readonly tenantId: string;
  /** The authorization request the login belongs to, if any. */
  readonly authReqId: string | null;
  /** The client of that request, for the audit trail (null when it no longer exists). */
  readonly clientId: string | null;
}

export async function resolveLoginScope(
  logins: LoginStore,
  input: { authReqId?: string; tenantId?: string },
  defaultTenant: string,
): Promise<LoginScope> {
  if (!input.authReqId) return { tenantId: input.tenantId || defaultTenant, authReqId: null, clientId: null };
  // The id names its tenant; deliberately looked up across tenants (by primary key).
  const request = await logins.authRequest(input.authReqId);
  if (!request || request.expiresAt.getTime() <= Date.now()) throw authRequestNotFound();
  return { tenantId: request.tenantId, authReqId: input.authReqId, clientId: request.clientId };
}
