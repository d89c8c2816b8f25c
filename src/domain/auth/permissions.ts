// The permission model. A principal has a role and a set of scopes; an RPC declares the scope it
// needs (proto option `(svault.api.v1.method).permission`). Roles bound what any credential of a
// user can hold: an API key's scopes are intersected with its owner's role, so a key never grants
// more than its owner could do. See docs/permissions.md.

export const SCOPES = [
  "tenants:admin",
  "tenants:read",
  "tenants:write",
  "clients:read",
  "clients:write",
  "users:read",
  "users:write",
  "api_keys:read",
  "api_keys:write",
  "blocker:read",
  "blocker:write",
  "scim",
  "analytics:read",
  "profile",
] as const;

export type Scope = (typeof SCOPES)[number];

/**
 * The scope of the self-service operations (the caller's own account, sessions and keys). It is
 * also OpenID Connect's `profile` scope, so an ordinary relying party's token that was granted it
 * reaches them (docs/permissions.md, "Access tokens").
 */
export const SELF_SERVICE_SCOPE = "profile" satisfies Scope;

/** The scopes of the admin API proper: a client asking for one asks for a token meant for it. */
export const ADMIN_API_SCOPES: readonly Scope[] = SCOPES.filter((scope) => scope !== SELF_SERVICE_SCOPE);

export const ROLES = ["super_admin", "tenant_admin", "user"] as const;
export type Role = (typeof ROLES)[number];

const TENANT_ADMIN_SCOPES: readonly Scope[] = SCOPES.filter((scope) => scope !== "tenants:admin");

const SCOPES_BY_ROLE: Record<Role, ReadonlySet<Scope>> = {
  super_admin: new Set(SCOPES),
  tenant_admin: new Set(TENANT_ADMIN_SCOPES),
  user: new Set<Scope>(["profile"]),
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function isAdminApiScope(value: string): boolean {
  return value !== SELF_SERVICE_SCOPE && isScope(value);
}

/** The highest role among a user's roles (users without a known role are plain users). */
export function roleOf(roles: readonly string[]): Role {
  if (roles.includes("super_admin")) return "super_admin";
  if (roles.includes("tenant_admin")) return "tenant_admin";
  return "user";
}

export function scopesOfRole(role: Role): ReadonlySet<Scope> {
  return SCOPES_BY_ROLE[role];
}

/** Who is calling, resolved from an API key or an access token. */
export interface Principal {
  readonly kind: "api_key" | "access_token";
  readonly userId: string;
  /** The tenant the credential acts in. */
  readonly tenantId: string;
  readonly role: Role;
  readonly scopes: ReadonlySet<Scope>;
  /**
   * True for a super admin acting in its home tenant: it may act on every tenant. A super admin's
   * key made for another tenant only acts in that tenant.
   */
  readonly global: boolean;
  readonly apiKeyId?: string;
  readonly sessionId?: string;
}

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope as Scope);
}

export function canAccessTenant(principal: Principal, tenantId: string): boolean {
  return principal.global || principal.tenantId === tenantId;
}

/** The effective scopes of a credential: what it asks for, bounded by its owner's role. */
export function effectiveScopes(requested: readonly string[], role: Role): Set<Scope> {
  const allowed = scopesOfRole(role);
  return new Set(requested.filter((scope): scope is Scope => isScope(scope) && allowed.has(scope)));
}

/**
 * The effective scopes of a user's access token: the scopes granted in the token, bounded by the
 * user's current role. Only a token issued for the admin API (its `aud` names it) carries admin
 * scopes there; any other token — an ordinary relying party's — at most the self-service scope.
 */
export function accessTokenScopes(granted: readonly string[], forAdminApi: boolean, role: Role): Set<Scope> {
  return effectiveScopes(forAdminApi ? granted : granted.filter((scope) => scope === SELF_SERVICE_SCOPE), role);
}
