// The two documents of the OpenID provider that change only with their tenant: discovery
// (OpenID Connect Discovery 1.0) and the JWKS. Each is built once per tenant, issuer family and
// key schedule and answered from memory as the same message object, which the REST gateway
// writes once and answers with an ETag (src/transcoding/response-encoder.ts): no database
// round trip and no conversion per request. The tenant's row comes from a cache that forgets it
// when the tenant changes, the keys from TenantKeyStore's, which forgets them when they change and
// moves on at each moment of their schedule.
import { create } from "@bufbuild/protobuf";
import {
  type GetJwksResponse,
  GetJwksResponseSchema,
  type GetOpenidConfigurationResponse,
  GetOpenidConfigurationResponseSchema,
} from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { ADMIN_API_SCOPES } from "../../domain/auth/permissions.js";
import { ACR_VALUES_SUPPORTED } from "../../domain/login/factors.js";
import { DPOP_ALGS } from "../../domain/oidc/dpop.js";
import { ADDRESS_SCOPE, PHONE_SCOPE } from "../../domain/oidc/contact-claims.js";
import { GROUPS_SCOPE } from "../../domain/oidc/groups-claim.js";
import type { IssuerFamily, Issuers } from "../../domain/oidc/issuers.js";
import { CLIENT_JWT_ALGS } from "../../domain/oidc/request-object.js";
import { tenantNotFound } from "../../domain/tenants/tenant-admin.js";
import type { PublishedKeys, TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import type { Tenant } from "../../persistence/entities/tenant.js";

// The OpenID Connect scopes, then the admin API's (a token for the admin API, docs/permissions.md).
const SCOPES = ["openid", "profile", "email", ADDRESS_SCOPE, PHONE_SCOPE, "offline_access", GROUPS_SCOPE, ...ADMIN_API_SCOPES];
const CLAIMS = [
  "sub",
  "iss",
  "aud",
  "exp",
  "iat",
  "auth_time",
  "nonce",
  "sid",
  "amr",
  "acr",
  "at_hash",
  "azp",
  "name",
  "preferred_username",
  "email",
  "email_verified",
  "address",
  "phone_number",
  "phone_number_verified",
  "locale",
  "tenant_id",
  "created_at",
  "updated_at",
  "groups",
];
const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];
// Introspection needs an authenticated client: no `none` (introspection.ts).
const INTROSPECTION_AUTH_METHODS = AUTH_METHODS.filter((method) => method !== "none");

export class OidcDocuments {
  private readonly jwksAnswers = new WeakMap<PublishedKeys, GetJwksResponse>();
  private readonly configurations = new WeakMap<Tenant, Map<IssuerFamily, GetOpenidConfigurationResponse>>();

  constructor(
    /** The tenant's row, or undefined when there is none: from memory until it changes. */
    private readonly tenantOf: (tenantId: string) => Promise<Tenant | undefined>,
    private readonly keys: TenantKeyStore,
    private readonly issuers: Issuers,
  ) {}

  async jwks(tenantId: string): Promise<GetJwksResponse> {
    await this.tenant(tenantId);
    const published = await this.keys.publishedAt(tenantId);
    let answer = this.jwksAnswers.get(published);
    if (!answer) {
      answer = create(GetJwksResponseSchema, { keys: published.jwks.map((jwk) => ({ ...jwk })) });
      this.jwksAnswers.set(published, answer);
    }
    return answer;
  }

  async openidConfiguration(tenantId: string, family: IssuerFamily): Promise<GetOpenidConfigurationResponse> {
    const tenant = await this.tenant(tenantId);
    let byFamily = this.configurations.get(tenant);
    if (!byFamily) {
      byFamily = new Map();
      this.configurations.set(tenant, byFamily);
    }
    let answer = byFamily.get(family);
    if (!answer) {
      answer = create(GetOpenidConfigurationResponseSchema, this.configuration(tenant, family));
      byFamily.set(family, answer);
    }
    return answer;
  }

  private async tenant(tenantId: string): Promise<Tenant> {
    const tenant = await this.tenantOf(tenantId);
    if (!tenant) throw tenantNotFound(tenantId);
    return tenant;
  }

  private configuration(tenant: Tenant, family: IssuerFamily) {
    const issuer = this.issuers.of(tenant.id, family);
    const endpoints = this.issuers.endpoints(issuer);
    return {
      issuer: issuer.issuer,
      authorizationEndpoint: endpoints.authorization,
      tokenEndpoint: endpoints.token,
      userinfoEndpoint: endpoints.userinfo,
      jwksUri: endpoints.jwks,
      endSessionEndpoint: endpoints.endSession,
      revocationEndpoint: endpoints.revocation,
      pushedAuthorizationRequestEndpoint: endpoints.pushedAuthorizationRequest,
      requirePushedAuthorizationRequests: tenant.requirePushedAuthorizationRequests,
      responseTypesSupported: ["code"],
      responseModesSupported: ["query"],
      grantTypesSupported: ["authorization_code", "refresh_token", "client_credentials"],
      subjectTypesSupported: ["public"],
      idTokenSigningAlgValuesSupported: ["EdDSA", "RS256"],
      scopesSupported: SCOPES,
      claimsSupported: CLAIMS,
      codeChallengeMethodsSupported: ["S256"],
      tokenEndpointAuthMethodsSupported: AUTH_METHODS,
      tokenEndpointAuthSigningAlgValuesSupported: CLIENT_JWT_ALGS,
      revocationEndpointAuthMethodsSupported: AUTH_METHODS,
      revocationEndpointAuthSigningAlgValuesSupported: CLIENT_JWT_ALGS,
      authorizationResponseIssParameterSupported: true,
      backchannelLogoutSupported: true,
      backchannelLogoutSessionSupported: true,
      promptValuesSupported: ["none", "login", "consent", "select_account"],
      claimTypesSupported: ["normal"],
      claimsParameterSupported: false,
      requestParameterSupported: true,
      requestObjectSigningAlgValuesSupported: [...CLIENT_JWT_ALGS, "none"],
      requestUriParameterSupported: false,
      acrValuesSupported: [...ACR_VALUES_SUPPORTED],
      dpopSigningAlgValuesSupported: DPOP_ALGS,
      introspectionEndpoint: endpoints.introspection,
      introspectionEndpointAuthMethodsSupported: INTROSPECTION_AUTH_METHODS,
      introspectionEndpointAuthSigningAlgValuesSupported: CLIENT_JWT_ALGS,
    };
  }
}
