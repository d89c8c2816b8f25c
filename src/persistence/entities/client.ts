import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

export interface ClientFlow {
  readonly grant_types: readonly string[];
  readonly access_token_ttl_seconds: number;
  readonly refresh_token_ttl_seconds: number;
  readonly id_token_ttl_seconds: number;
}

export const ClientEntity = defineEntity({
  name: "Client",
  tableName: "client",
  filters: tenantFilters,
  uniques: [{ name: "client_tenant_client_id_unique", properties: ["tenant", "clientId"] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: tenantColumn(),
    clientId: p.string().length(128),
    name: p.string().length(256),
    redirectUris: p.json<string[]>().columnType("jsonb"),
    postLogoutRedirectUri: p.json<string[]>().columnType("jsonb"),
    allowedScopes: p.json<string[]>().columnType("jsonb"),
    tokenEndpointAuthMethod: p.string().length(32),
    logoUri: p.string().length(2048).nullable(),
    opPolicyUrl: p.string().length(2048).nullable(),
    opTosUrl: p.string().length(2048).nullable(),
    opUserAgreementUrl: p.string().length(2048).nullable(),
    clientUri: p.string().length(2048).nullable(),
    clientLogoutUri: p.string().length(2048).nullable(),
    registerEnable: p.boolean().default(false),
    tenantName: p.string().length(256).nullable(),
    clientType: p.string().length(16),
    /** SHA-256 of the secret; null for public clients. The secret itself is shown once. */
    secretHash: p.blob().nullable(),
    isLock: p.boolean().default(false),
    singAlg: p.string().length(8),
    flow: p.json<ClientFlow>().columnType("jsonb"),
    // Branding of this client's hosted pages, over the tenant's (null: the tenant's).
    primaryColor: p.string().length(7).nullable(),
    backgroundColor: p.string().length(7).nullable(),
    supportUri: p.string().length(2048).nullable(),
    // The client's public keys (RFC 9101 request objects, RFC 7523 private_key_jwt): a JWK Set, or where to fetch one.
    jwks: p.json<{ keys: Record<string, unknown>[] }>().columnType("jsonb").nullable(),
    jwksUri: p.string().length(2048).nullable(),
    /** The one algorithm of its request objects (`none`: unsigned only); null: any supported signing algorithm. */
    requestObjectSigningAlg: p.string().length(8).nullable(),
    requirePushedAuthorizationRequests: p.boolean().default(false),
    dpopBoundAccessTokens: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type Client = InferEntity<typeof ClientEntity>;
