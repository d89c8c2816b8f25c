// A client's settings with their defaults, and the rules that tie fields together.
import { type FieldViolation, invalidArgument } from "../../errors/domain-error.js";
import type { ClientFlow } from "../../persistence/entities/client.js";
import { brandingViolations } from "../branding/brand-rules.js";
import { clientKeyViolations } from "./client-keys.js";
import { redirectUriViolations } from "./redirect-uri.js";

export const DEFAULT_ALLOWED_SCOPES = ["openid", "profile", "email", "offline_access"];

export const DEFAULT_FLOW: ClientFlow = Object.freeze({
  grant_types: ["authorization_code", "refresh_token"],
  access_token_ttl_seconds: 600,
  refresh_token_ttl_seconds: 30 * 86_400,
  id_token_ttl_seconds: 600,
});

/** The settable fields of Create Client and Update Client requests. */
export interface ClientSettingsInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUri: string[];
  allowedScopes: string[];
  tokenEndpointAuthMethod?: string;
  logoUri?: string;
  opPolicyUrl?: string;
  opTosUrl?: string;
  opUserAgreementUrl?: string;
  clientUri?: string;
  clientLogoutUri?: string;
  registerEnable: boolean;
  tenantName?: string;
  clientType?: string;
  isLock: boolean;
  singAlg?: string;
  flow?: { grantTypes: string[]; accessTokenTtlSeconds?: number; refreshTokenTtlSeconds?: number; idTokenTtlSeconds?: number };
  primaryColor?: string;
  backgroundColor?: string;
  supportUri?: string;
  jwks?: unknown;
  jwksUri?: string;
  requestObjectSigningAlg?: string;
  requirePushedAuthorizationRequests: boolean;
  dpopBoundAccessTokens: boolean;
}

export interface ClientSettingsState {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUri: string[];
  allowedScopes: string[];
  tokenEndpointAuthMethod: string;
  logoUri: string | null;
  opPolicyUrl: string | null;
  opTosUrl: string | null;
  opUserAgreementUrl: string | null;
  clientUri: string | null;
  clientLogoutUri: string | null;
  registerEnable: boolean;
  tenantName: string | null;
  clientType: "public" | "confidential";
  isLock: boolean;
  singAlg: string;
  flow: ClientFlow;
  /** This client's branding over the tenant's (null: the tenant's). */
  primaryColor: string | null;
  backgroundColor: string | null;
  supportUri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  jwksUri: string | null;
  requestObjectSigningAlg: string | null;
  requirePushedAuthorizationRequests: boolean;
  dpopBoundAccessTokens: boolean;
}

/**
 * The complete settings from a request (PUT semantics: unset optional fields take their
 * defaults). `fixedType` is the existing client's type on update: it cannot change.
 */
export function resolveClientSettings(input: ClientSettingsInput, fixedType?: "public" | "confidential"): ClientSettingsState {
  const clientType = fixedType ?? (input.clientType === "public" ? "public" : "confidential");
  const violations: FieldViolation[] = [
    ...redirectUriViolations("redirect_uris", input.redirectUris),
    ...redirectUriViolations("post_logout_redirect_uri", input.postLogoutRedirectUri),
  ];
  if (fixedType && input.clientType && input.clientType !== fixedType) {
    violations.push({ path: ["client_type"], message: "client_type cannot change after creation", type: "immutable" });
  }
  const method = input.tokenEndpointAuthMethod ?? (clientType === "public" ? "none" : "client_secret_post");
  violations.push(...clientKeyViolations({ jwks: input.jwks, jwksUri: input.jwksUri ?? null, tokenEndpointAuthMethod: method }));
  if ((clientType === "public") !== (method === "none")) {
    violations.push({
      path: ["token_endpoint_auth_method"],
      message: "Public clients use `none`; confidential clients use client_secret_post, client_secret_basic or private_key_jwt",
      type: "value_error",
    });
  }
  const grantTypes = input.flow?.grantTypes.length ? [...input.flow.grantTypes] : [...DEFAULT_FLOW.grant_types];
  if (clientType === "public" && grantTypes.includes("client_credentials")) {
    violations.push({ path: ["flow", "grant_types"], message: "Public clients cannot use client_credentials", type: "value_error" });
  }
  violations.push(
    ...brandingViolations({
      primaryColor: input.primaryColor,
      backgroundColor: input.backgroundColor,
      uris: { support_uri: input.supportUri },
    }),
  );
  if (violations.length > 0) throw invalidArgument(violations);
  return {
    name: input.name,
    redirectUris: [...input.redirectUris],
    postLogoutRedirectUri: [...input.postLogoutRedirectUri],
    allowedScopes: input.allowedScopes.length > 0 ? [...new Set(input.allowedScopes)] : [...DEFAULT_ALLOWED_SCOPES],
    tokenEndpointAuthMethod: method,
    logoUri: input.logoUri ?? null,
    opPolicyUrl: input.opPolicyUrl ?? null,
    opTosUrl: input.opTosUrl ?? null,
    opUserAgreementUrl: input.opUserAgreementUrl ?? null,
    clientUri: input.clientUri ?? null,
    clientLogoutUri: input.clientLogoutUri ?? null,
    registerEnable: input.registerEnable,
    tenantName: input.tenantName ?? null,
    clientType,
    isLock: input.isLock,
    singAlg: input.singAlg ?? "EdDSA",
    flow: {
      grant_types: grantTypes,
      access_token_ttl_seconds: input.flow?.accessTokenTtlSeconds ?? DEFAULT_FLOW.access_token_ttl_seconds,
      refresh_token_ttl_seconds: input.flow?.refreshTokenTtlSeconds ?? DEFAULT_FLOW.refresh_token_ttl_seconds,
      id_token_ttl_seconds: input.flow?.idTokenTtlSeconds ?? DEFAULT_FLOW.id_token_ttl_seconds,
    },
    primaryColor: input.primaryColor || null,
    backgroundColor: input.backgroundColor || null,
    supportUri: input.supportUri || null,
    jwks: input.jwks == null ? null : (input.jwks as { keys: Record<string, unknown>[] }),
    jwksUri: input.jwksUri || null,
    requestObjectSigningAlg: input.requestObjectSigningAlg || null,
    requirePushedAuthorizationRequests: input.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens,
  };
}
