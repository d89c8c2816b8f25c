import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

export const TenantKeyEntity = defineEntity({
  name: "TenantKey",
  tableName: "tenant_key",
  filters: tenantFilters,
  indexes: [{ name: "tenant_key_tenant_alg_index", properties: ["tenant", "alg"] }],
  properties: (p) => ({
    /** The key's `kid`: its RFC 7638 thumbprint. */
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    alg: p.string().length(16),
    use: p.string().length(8),
    publicJwk: p.json<Record<string, unknown>>().columnType("jsonb"),
    /** PKCS#8 private key sealed with the KEK (AAD binds it to this kid). Never stored in clear. */
    privateKeySealed: p.blob(),
    /** Published in the JWKS from here on. */
    publishAt: p.datetime(),
    /** Used to sign (or decrypt for) new messages from here on. */
    activateAt: p.datetime(),
    /** Removed from the JWKS from here on; null while current. */
    retireAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type TenantKey = InferEntity<typeof TenantKeyEntity>;
