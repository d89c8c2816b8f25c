// Microsoft Entra ID external authentication method (docs/entra-mfa.md): a tenant's Entra
// settings, the links of Entra accounts to our users, and the MFA flows in progress.
import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

/** How a tenant accepts Entra's requests. One row per tenant that configured it. */
export const EntraSettingsEntity = defineEntity({
  name: "EntraSettings",
  tableName: "entra_settings",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    enabled: p.boolean().default(false),
    /** The application (client) id of the Entra app registration: the hint's `aud`, our `aud`. */
    clientId: p.string().length(128).default(""),
    /** The Entra tenant ids (`tid`) whose users may be sent here. */
    allowedTenantIds: p.json<string[]>().columnType("jsonb"),
    /** Entra's OpenID configuration; its `jwks_uri` verifies the hints. */
    discoveryUrl: p.string().length(2048),
    /** `link` (the link table only), `username` or `email` (else `preferred_username`/`upn` matched to it). */
    userMatch: p.string().length(16).default("link"),
    /** The largest age of a hint (`iat`, `nbf`) accepted, in seconds. */
    maxHintAgeSeconds: p.integer().default(600),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

/** An Entra account (`tid` + `oid`, stable and unique, unlike `sub` which is pairwise) linked to a user. */
export const EntraUserLinkEntity = defineEntity({
  name: "EntraUserLink",
  tableName: "entra_user_link",
  filters: tenantFilters,
  indexes: [{ name: "entra_user_link_tenant_user_index", properties: ["tenant", "user"] }],
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    entraTenantId: p.uuid().primary(),
    objectId: p.uuid().primary(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade"),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/**
 * An MFA request of Entra between its arrival (#33) and the answer (#34): single use (deleted by
 * the answer), short-lived, and bound to the browser that brought it by a cookie whose hash is here.
 */
export const MfaFlowEntity = defineEntity({
  name: "MfaFlow",
  tableName: "mfa_flow",
  filters: tenantFilters,
  indexes: [{ name: "mfa_flow_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    /** SHA-256 of the browser's binding cookie. */
    browserHash: p.blob(),
    userId: p.uuid(),
    entraTenantId: p.uuid(),
    objectId: p.uuid(),
    /** The hint's `sub`, echoed in our id_token. */
    subject: p.string().length(256),
    clientId: p.string().length(128),
    redirectUri: p.string().length(2048),
    /** Entra's, echoed as they came. */
    state: p.text(),
    nonce: p.string().length(512),
    /** The `acr` value the answer carries. */
    acr: p.string().length(64),
    /** The `amr` values Entra accepts. */
    amrAllowed: p.json<string[]>().columnType("jsonb"),
    /** The WebAuthn challenge of the form shown for this flow, once shown. */
    challenge: p.string().length(128).nullable(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type EntraSettings = InferEntity<typeof EntraSettingsEntity>;
export type EntraUserLink = InferEntity<typeof EntraUserLinkEntity>;
export type MfaFlow = InferEntity<typeof MfaFlowEntity>;
