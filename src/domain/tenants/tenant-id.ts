// Tenant ids are the first path segment of a tenant's URLs, so they may not shadow a route.
import type { FieldViolation } from "../../errors/domain-error.js";

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

const RESERVED = new Set(["api", "oidc", "scim", "ui", "mfa", "health", "metrics", "docs", "openapi.json", ".well-known", "assets"]);

export function tenantIdViolations(tenantId: string): FieldViolation[] {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    return [{ path: ["tenant_id"], message: `String should match pattern '${TENANT_ID_PATTERN.source}'`, type: "string_pattern_mismatch" }];
  }
  if (RESERVED.has(tenantId)) {
    return [{ path: ["tenant_id"], message: `'${tenantId}' is reserved`, type: "reserved" }];
  }
  return [];
}
