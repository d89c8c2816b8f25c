// Enforces the access each RPC declares in its proto (`(svault.api.v1.method)`: a `permission`,
// `public`, or both), identically for gRPC, Connect and REST: no credentials → Unauthenticated
// (401), missing scope → PermissionDenied (403), a `tenant_id` the caller cannot access →
// NotFound (404), so that other tenants' existence is not revealed. The rules are read once, at
// start-up, which refuses an RPC that declares no access: authorization fails closed.
import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { method as methodExtension } from "../../../gen/svault/api/v1/options_pb.js";
import type { Authenticator } from "../../domain/auth/authenticator.js";
import { canAccessTenant, hasScope, isScope } from "../../domain/auth/permissions.js";
import { notFound, permissionDenied, unauthenticated } from "../../errors/domain-error.js";
import { clientAddressKey, principalKey } from "../context.js";
import type { ServiceRegistration } from "../registry.js";

/** What an RPC requires of its caller. */
export interface MethodAccess {
  /** The scope a caller with credentials needs; undefined when the RPC takes none. */
  readonly permission: string | undefined;
  /** Callers without credentials are admitted (with a permission: credentials are optional). */
  readonly public: boolean;
}

/** The access an RPC declares in its proto; undefined when it declares none. */
export function declaredAccess(method: DescMethod): MethodAccess | undefined {
  const rules = hasOption(method, methodExtension) ? getOption(method, methodExtension) : undefined;
  if (!rules || (!rules.public && rules.permission === "")) return undefined;
  return { permission: rules.permission === "" ? undefined : rules.permission, public: rules.public };
}

const PUBLIC: MethodAccess = { permission: undefined, public: true };

/** Every served method's access; throws (the server does not start) on a method without a valid one. */
export function accessRules(registrations: readonly ServiceRegistration[]): Map<DescMethod, MethodAccess> {
  const rules = new Map<DescMethod, MethodAccess>();
  for (const { service, foreignPublic } of registrations) {
    if (foreignPublic && service.file.proto.package.startsWith("svault.")) {
      throw new Error(`${service.typeName}: our services declare their access per method in the proto`);
    }
    for (const method of service.methods) {
      const name = `${service.typeName}.${method.name}`;
      const access = foreignPublic ? PUBLIC : declaredAccess(method);
      if (!access) throw new Error(`${name} declares no access: set (svault.api.v1.method).permission or public in its proto`);
      if (access.permission !== undefined && !isScope(access.permission)) {
        throw new Error(`${name} requires the unknown permission ${access.permission}`);
      }
      rules.set(method, access);
    }
  }
  return rules;
}

/** Whether a call carries an API key or a bearer token (not, say, an OAuth client's Basic). */
function presentsCredentials(headers: Headers): boolean {
  return headers.has("x-api-key") || /^Bearer\s/i.test(headers.get("authorization") ?? "");
}

type UnaryOrStreamRequest = Parameters<Parameters<Interceptor>[0]>[0];

export function authorization(authenticator: Authenticator, registrations: readonly ServiceRegistration[]): Interceptor {
  const rules = accessRules(registrations);
  /** Authenticates the caller for `permission` and records them on the call; throws when refused. */
  const admit = async (permission: string, req: UnaryOrStreamRequest): Promise<void> => {
    const caller = await authenticator.authenticate(req.header, req.contextValues.get(clientAddressKey), {
      method: req.requestMethod,
      url: req.url,
    });
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
    const access = rules.get(req.method);
    // Unreachable after the start-up check, but never open by default.
    if (!access) return Promise.reject(permissionDenied("This operation declares no access"));
    const { permission } = access;
    if (permission === undefined || (access.public && !presentsCredentials(req.header))) return next(req);
    return admit(permission, req).then(() => next(req));
  };
}
