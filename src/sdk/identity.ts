// The identities bound into every OPAQUE run (login protocol §3):
//   server: the tenant's issuer `{PUBLIC_URL}/{tenant_id}`
//   client: `{tenant_id}:{normalized username}`
// The normalization is the server's own (pure and browser-safe), imported so that both sides
// can never drift apart.
import { normalizeUsername } from "./identity-normalization.js";

export { normalizeUsername };

export interface OpaqueIdentifiers {
  readonly client: string;
  readonly server: string;
}

/** The tenant id of a standard issuer `{PUBLIC_URL}/{tenant_id}`: its last path segment. */
export function tenantIdFromIssuer(issuer: string): string {
  const path = new URL(issuer).pathname.replace(/\/+$/, "");
  const tenantId = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
  if (!tenantId) throw new Error(`The issuer ${issuer} names no tenant`);
  return tenantId;
}

export function clientIdentifier(tenantId: string, username: string): string {
  return `${tenantId}:${normalizeUsername(username)}`;
}

export function opaqueIdentifiers(issuer: string, tenantId: string, username: string): OpaqueIdentifiers {
  return { client: clientIdentifier(tenantId, username), server: issuer };
}
