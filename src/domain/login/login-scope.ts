// Which tenant a login step is for: the pending authorization request's (`auth_req_id`), else the
// `tenant_id` query parameter, else the configured default tenant — as resolveAuthTarget decides,
// but without loading the tenant row, which each login step reads with its first statement. The
// PIN/pattern login does not even look the authorization request up on its own: its steps hand
// their target to their first statement, which reads the request's tenant and client with the
// rest (persistence/repositories/login-repository.ts), and make the scope of what it answered.
import type { LoginStore, LoginTarget, TargetTenant } from "../../persistence/repositories/login-repository.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { authRequestNotFound } from "./auth-target.js";

export interface LoginScope {
  readonly tenantId: string;
  /** The authorization request the login belongs to, if any. */
  readonly authReqId: string | null;
  /** The client of that request, for the audit trail (null when it no longer exists). */
  readonly clientId: string | null;
}

/** The target of a login step's request, before anything is read. */
export function loginTargetOf(input: { authReqId?: string; tenantId?: string }, defaultTenant: string): LoginTarget {
  return input.authReqId ? { tenantId: null, authReqId: input.authReqId } : { tenantId: input.tenantId || defaultTenant, authReqId: null };
}

/**
 * The target of a step given a scope resolved already (`OpaqueLogin.scopeOf`, as the in-process
 * benchmarks call the steps) or a target: a scope's authorization request, if it has one, is read
 * again by the step's first statement, as any target's.
 */
export function targetOf(given: LoginTarget | LoginScope): LoginTarget {
  return given.authReqId !== null ? { tenantId: null, authReqId: given.authReqId } : { tenantId: given.tenantId, authReqId: null };
}

/** What a login step answers when its target names no tenant: no such tenant, or no such (unexpired) authorization request. */
export function targetNotFound(target: LoginTarget): Error {
  return target.authReqId === null ? tenantNotFound(target.tenantId) : authRequestNotFound();
}

/** The scope of a step, from what a statement found for its target. */
export function scopeOfTarget(target: LoginTarget, found: TargetTenant): LoginScope {
  return { tenantId: found.tenantId, authReqId: target.authReqId, clientId: found.clientId };
}

/**
 * The scope on its own, for the steps whose first statement does not read the target (the passkey
 * and face steps, a login's `ber`): a named tenant as it is (the step reads it), an authorization
 * request looked up by one statement.
 */
export async function resolveLoginScope(logins: LoginStore, target: LoginTarget): Promise<LoginScope> {
  if (target.authReqId === null) return { tenantId: target.tenantId, authReqId: null, clientId: null };
  const found = await logins.target(target).scope();
  if (!found) throw targetNotFound(target);
  return scopeOfTarget(target, found);
}
