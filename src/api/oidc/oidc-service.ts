// svault.oidc.v1.OidcService: discovery, JWKS, authorize, token, userinfo, revoke.
import type { JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { type CheckedAccessToken, checkAccessToken } from "../../domain/oidc/access-token-check.js";
import type { Authorization } from "../../domain/oidc/authorization.js";
import { authenticateClient } from "../../domain/oidc/client-authentication.js";
import { authorizationCodeGrant } from "../../domain/oidc/grants/authorization-code-grant.js";
import { clientCredentialsGrant } from "../../domain/oidc/grants/client-credentials-grant.js";
import { refreshTokenGrant } from "../../domain/oidc/grants/refresh-token-grant.js";
import type { Issuers } from "../../domain/oidc/issuers.js";
import { oauthError } from "../../domain/oidc/oauth-error.js";
import { revokeToken } from "../../domain/oidc/revocation.js";
import { cookieName } from "../../domain/oidc/sessions.js";
import type { Tokens, TokenSet } from "../../domain/oidc/tokens.js";
import { userinfoClaims } from "../../domain/oidc/userinfo.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import { entityManager } from "../../rpc/context.js";
import { getCookie, noStore, redirect } from "../../rpc/http-response.js";

export interface OidcServiceDeps {
  readonly keys: TenantKeyStore;
  readonly issuers: Issuers;
  readonly tokens: Tokens;
  readonly authorization: Authorization;
  readonly publicUrl: string;
}

const SCOPES = ["openid", "profile", "email", "offline_access"];
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
  "at_hash",
  "azp",
  "name",
  "preferred_username",
  "email",
  "email_verified",
  "locale",
  "tenant_id",
  "created_at",
  "updated_at",
];
const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"];

function tokenAnswer(tokens: TokenSet) {
  return {
    accessToken: tokens.accessToken,
    tokenType: "Bearer",
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken.value } : {}),
    ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
  };
}

function bearerOf(ctx: HandlerContext, formToken: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.requestHeader.get("authorization") ?? "");
  if (match && formToken) throw oauthError("invalid_request", "Send the access token one way only");
  const token = match?.[1] ?? formToken;
  if (!token) throw oauthError("invalid_token", "An access token is required");
  return token;
}

export function oidcService(deps: OidcServiceDeps): ServiceImpl<typeof OidcService> {
  const { keys, issuers, tokens, authorization } = deps;
  const sessionCookie = (ctx: HandlerContext) => getCookie(ctx, cookieName(deps.publicUrl));
  /** The authenticated client of a token or revocation request. */
  const clientOf = (ctx: HandlerContext, request: { tenantId: string; clientId: string; clientSecret: string }) => {
    if (!request.tenantId) throw oauthError("invalid_request", "tenant_id is required");
    // No separate tenant lookup: an unknown tenant has no clients, so authentication fails
    // (invalid_client) — one round trip fewer on the hot path.
    return authenticateClient(entityManager(ctx), request.tenantId, {
      authorization: ctx.requestHeader.get("authorization"),
      clientId: request.clientId,
      clientSecret: request.clientSecret,
    });
  };

  return {
    async getJwks(request, ctx) {
      const em = entityManager(ctx);
      await getTenant(em, request.tenantId);
      const jwks = await keys.publishedJwks(em, request.tenantId);
      // Shorter than the key publish lead, so relying parties learn a new key before it signs.
      ctx.responseHeader.set("cache-control", "public, max-age=300");
      return { keys: jwks as JsonObject[] };
    },

    async getOpenidConfiguration(request, ctx) {
      await getTenant(entityManager(ctx), request.tenantId);
      const issuer = issuers.of(request.tenantId, issuers.familyOfRequest(ctx.url, request.tenantId));
      const endpoints = issuers.endpoints(issuer);
      ctx.responseHeader.set("cache-control", "public, max-age=3600");
      return {
        issuer: issuer.issuer,
        authorizationEndpoint: endpoints.authorization,
        tokenEndpoint: endpoints.token,
        userinfoEndpoint: endpoints.userinfo,
        jwksUri: endpoints.jwks,
        endSessionEndpoint: endpoints.endSession,
        revocationEndpoint: endpoints.revocation,
        responseTypesSupported: ["code"],
        responseModesSupported: ["query"],
        grantTypesSupported: ["authorization_code", "refresh_token", "client_credentials"],
        subjectTypesSupported: ["public"],
        idTokenSigningAlgValuesSupported: ["EdDSA", "RS256"],
        scopesSupported: SCOPES,
        claimsSupported: CLAIMS,
        codeChallengeMethodsSupported: ["S256"],
        tokenEndpointAuthMethodsSupported: AUTH_METHODS,
        revocationEndpointAuthMethodsSupported: AUTH_METHODS,
        authorizationResponseIssParameterSupported: true,
        backchannelLogoutSupported: true,
        backchannelLogoutSessionSupported: true,
        promptValuesSupported: ["none", "login", "consent", "select_account"],
        claimTypesSupported: ["normal"],
        claimsParameterSupported: false,
        requestParameterSupported: false,
        requestUriParameterSupported: false,
      };
    },

    async authorize(request, ctx) {
      noStore(ctx);
      const family = issuers.familyOfRequest(ctx.url, request.tenantId);
      const target = await authorization.authorize(
        entityManager(ctx),
        {
          tenantId: request.tenantId,
          family,
          responseType: request.responseType,
          clientId: request.clientId,
          redirectUri: request.redirectUri,
          scope: request.scope,
          state: request.state,
          nonce: request.nonce,
          prompt: request.prompt,
          codeChallenge: request.codeChallenge,
          codeChallengeMethod: request.codeChallengeMethod,
          loginHint: request.loginHint,
          emailHint: request.emailHint,
          ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
          responseMode: request.responseMode,
        },
        sessionCookie(ctx),
      );
      redirect(ctx, target.location, 302);
      return {};
    },

    async token(request, ctx) {
      noStore(ctx);
      const em = entityManager(ctx);
      const client = await clientOf(ctx, request);
      if (!["authorization_code", "refresh_token", "client_credentials"].includes(request.grantType)) {
        throw oauthError("unsupported_grant_type", `Unsupported grant_type: ${request.grantType || "(none)"}`);
      }
      if (!client.flow.grant_types.includes(request.grantType)) {
        throw oauthError("unauthorized_client", `The client may not use ${request.grantType}`);
      }
      const grantDeps = { tokens, issuers };
      switch (request.grantType) {
        case "authorization_code":
          if (!request.code) throw oauthError("invalid_request", "code is required");
          return tokenAnswer(
            await authorizationCodeGrant(em, grantDeps, request.tenantId, client, {
              code: request.code,
              redirectUri: request.redirectUri,
              codeVerifier: request.codeVerifier,
            }),
          );
        case "refresh_token":
          if (!request.refreshToken) throw oauthError("invalid_request", "refresh_token is required");
          return tokenAnswer(
            await refreshTokenGrant(em, grantDeps, request.tenantId, client, { refreshToken: request.refreshToken, scope: request.scope }),
          );
        default: {
          const issuer = issuers.of(request.tenantId, issuers.familyOfRequest(ctx.url, request.tenantId));
          return tokenAnswer(await clientCredentialsGrant(em, tokens, issuer, client, { scope: request.scope }));
        }
      }
    },

    async userinfo(request, ctx) {
      noStore(ctx);
      const checked: CheckedAccessToken | undefined = await checkAccessToken(
        entityManager(ctx),
        tokens,
        bearerOf(ctx, request.accessToken),
      );
      if (!checked || (request.tenantId && checked.issuer.tenantId !== request.tenantId)) {
        throw oauthError("invalid_token", "The access token is invalid, expired or revoked");
      }
      return { claims: userinfoClaims(checked) as JsonObject };
    },

    async revoke(request, ctx) {
      noStore(ctx);
      const em = entityManager(ctx);
      const client = await clientOf(ctx, request);
      if (!request.token) throw oauthError("invalid_request", "token is required");
      await revokeToken(em, tokens, request.tenantId, client, request.token, request.tokenTypeHint);
      return {};
    },
  };
}
