// Enforces the permission each RPC declares in its proto (`(svault.api.v1.method).permission`),
// identically for gRPC, Connect and REST: no credentials → Unauthenticated (401), missing scope →
// PermissionDenied (403), a `tenant_id` the caller cannot access → NotFound (404), so that other
// tenants' existence is not revealed.
import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { method as methodExtension } from "../../../gen/svault/api/v1/options_pb.js";
import type { Authenticator } from "../../domain/auth/authenticator.js";
import { canAccessTenant, hasScope } from "../../domain/auth/permissions.js";
import { notFound, permissionDenied, unauthenticated } from "../../errors/domain-error.js";
import { principalKey } from "../context.js";

const permissions = new WeakMap<DescMethod, string>();

export function permissionOf(method: DescMethod): string {
  let permission = permissions.get(method);
  if (permission === undefined) {
    permission = hasOption(method, methodExtension) ? getOption(method, methodExtension).permission : "";
    permissions.set(method, permission);
  }
  return permission;
}

export function authorization(authenticator: Authenticator): Interceptor {
  /** Authenticates the caller for `permission` and records them on the call; throws when refused. */
  const admit = async (permission: string, req: Parameters<Parameters<Interceptor>[0]>[0]): Promise<void> => {
    const caller = await authenticator.authenticate(req.header);
    if (!caller) throw unauthenticated("Authentication required: send X-API-Key or Authorization: Bearer");
    if (!hasScope(caller, permission)) throw permissionDenied(`This operation requires the ${permission} scope`);
    // By convention a request names its tenant in a top-level `tenant_id` field.
    const tenantId = req.stream ? undefined : (req.message as { tenantId?: unknown }).tenantId;
    if (typeof tenantId === "string" && tenantId !== "" && !canAccessTenant(caller, tenantId)) {
      throw notFound("TENANT_NOT_FOUND", `Tenant ${tenantId} not found`);
    }
    req.contextValues.set(principalKey, caller);
  };
  // Public methods pass straight on, without an async step of their own.
  return (next) => (req) => {
    const permission = permissionOf(req.method);
    return permission === "" ? next(req) : admit(permission, req).then(() => next(req));
  };
}
