// svault.oidc.v1.OidcService: discovery, JWKS, authorize, token, userinfo, revoke.
import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import type { AccessTokenChecks, CheckedAccessToken } from "../../domain/oidc/access-token-check.js";
import type { ClientKeys } from "../../domain/clients/client-keys.js";
import type { Authorization } from "../../domain/oidc/authorization.js";
import type { AuthorizationRequests } from "../../domain/oidc/authorization-request.js";
import { authenticateClient, type ClientLookup } from "../../domain/oidc/client-authentication.js";
import type { OidcDocuments } from "./oidc-documents.js";
import { checkSenderConstraint, type DpopProofs } from "../../domain/oidc/dpop.js";
import { authorizeInputOf, paramsOfFields } from "../../domain/oidc/authorization-request.js";
import { authorizationCodeGrant } from "../../domain/oidc/grants/authorization-code-grant.js";
import { clientCredentialsGrant } from "../../domain/oidc/grants/client-credentials-grant.js";
import { refreshTokenGrant } from "../../domain/oidc/grants/refresh-token-grant.js";
import type { Issuers } from "../../domain/oidc/issuers.js";
import { oauthError } from "../../domain/oidc/oauth-error.js";
import { revokeToken } from "../../domain/oidc/revocation.js";
import { introspectToken } from "../../domain/oidc/introspection.js";
import { cookieName } from "../../domain/oidc/sessions.js";
import type { Tokens, TokenSet } from "../../domain/oidc/tokens.js";
import { userinfoClaims } from "../../domain/oidc/userinfo.js";
import { groupsClaim } from "../../domain/oidc/groups-claim.js";
import { contactClaims } from "../../domain/oidc/contact-claims.js";
import type { RateLimiter } from "../../domain/ratelimit/rate-limiter.js";
import { clientAddressKey, entityManager, principalKey, repositories, unitOfWork } from "../../rpc/context.js";
import { getCookie, noStore, redirect, setHttpStatus } from "../../rpc/http-response.js";

export interface OidcServiceDeps {
  /** Discovery and JWKS, kept in memory per tenant (oidc-documents.ts). */
  readonly documents: OidcDocuments;
  /** The clients of a tenant as client authentication reads them: from memory until they change (services.ts). */
  readonly authenticationClients: (tenantId: string) => ClientLookup;
  readonly issuers: Issuers;
  readonly tokens: Tokens;
  /** Access tokens' signature and liveness (userinfo, introspection). */
  readonly accessTokens: AccessTokenChecks;
  readonly authorization: Authorization;
  readonly publicUrl: string;
  /** REFRESH_TOKEN_REUSE_GRACE_SECONDS. */
  readonly refreshTokenReuseGraceSeconds: number;
  readonly limits: RateLimiter;
  /** Request objects and pushed requests (RFC 9101, RFC 9126). */
  readonly authorizationRequests: AuthorizationRequests;
  /** Clients' registered keys (request objects, private_key_jwt). */
  readonly clientKeys: ClientKeys;
  /** DPoP proofs and nonces (RFC 9449). */
  readonly dpop: DpopProofs;
  readonly clock: () => number;
}

function tokenAnswer(tokens: TokenSet, dpopJkt: string | undefined) {
  return {
    accessToken: tokens.accessToken,
    tokenType: dpopJkt ? "DPoP" : "Bearer",
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken.value } : {}),
    ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
  };
}

/**
 * RFC 8707 at the token endpoint, checked before anything is written: the admin API is the one
 * resource, and a client_credentials token, which never acts for a user, cannot be for it.
 */
function checkResources(resources: readonly string[], grantType: string, adminApi: string): void {
  if (resources.some((resource) => resource !== adminApi)) {
    throw oauthError("invalid_target", `Unknown resource; the one resource is ${adminApi}`);
  }
  if (resources.length > 0 && grantType === "client_credentials") {
    throw oauthError("invalid_target", "A client_credentials token acts for no user, so it cannot be for the admin API");
  }
}

/** The access token of a resource request and how it came: `Bearer` (header or form) or `DPoP` (RFC 9449 §7.1). */
function accessTokenOf(ctx: HandlerContext, formToken: string): { token: string; scheme: "Bearer" | "DPoP" } {
  const match = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(ctx.requestHeader.get("authorization") ?? "");
  if (match && formToken) throw oauthError("invalid_request", "Send the access token one way only");
  const token = match?.[2] ?? formToken;
  if (!token) throw oauthError("invalid_token", "An access token is required");
  return { token, scheme: match?.[1]?.toLowerCase() === "dpop" ? "DPoP" : "Bearer" };
}

/** The request's URL as a DPoP proof names it (`htu`): the public URL and the path, without query. */
function requestUrlOf(publicUrl: string, ctx: HandlerContext): string {
  const path = ctx.url.startsWith("/") ? ctx.url : new URL(ctx.url).pathname;
  return `${publicUrl}${path.split("?")[0]}`;
}

export function oidcService(deps: OidcServiceDeps): ServiceImpl<typeof OidcService> {
  const { documents, issuers, tokens, authorization, limits, dpop } = deps;
  const sessionCookie = (ctx: HandlerContext) => getCookie(ctx, cookieName(deps.publicUrl));
  /** The authenticated client of a token, revocation, introspection or pushed authorization request. */
  const clientOf = (
    ctx: HandlerContext,
    request: { tenantId: string; clientId: string; clientSecret: string; clientAssertionType: string; clientAssertion: string },
  ) => {
    if (!request.tenantId) throw oauthError("invalid_request", "tenant_id is required");
    // No separate tenant lookup: an unknown tenant has no clients, so authentication fails
    // (invalid_client) — one round trip fewer on the hot path.
    return authenticateClient(
      deps.authenticationClients(request.tenantId),
      request.tenantId,
      {
        authorization: ctx.requestHeader.get("authorization"),
        clientId: request.clientId,
        clientSecret: request.clientSecret,
        clientAssertionType: request.clientAssertionType,
        clientAssertion: request.clientAssertion,
      },
      {
        limits,
        address: ctx.values.get(clientAddressKey),
        assertions: () => {
          const issuer = issuers.of(request.tenantId, issuers.familyOfRequest(ctx.url, request.tenantId));
          return {
            keys: deps.clientKeys,
            usedJtis: repositories(ctx, request.tenantId).usedJtis,
            clock: deps.clock,
            audiences: [issuer.issuer, issuers.endpoints(issuer).token, requestUrlOf(deps.publicUrl, ctx)],
          };
        },
      },
    );
  };
  /**
   * The DPoP key of a token request's proof (RFC 9449 §5), or undefined without a proof. Every
   * answer carries a fresh nonce, which the next proof must name.
   */
  const dpopKeyOf = (ctx: HandlerContext, tenantId: string): Promise<string | undefined> | undefined => {
    const proof = ctx.requestHeader.get("dpop");
    // Most token requests carry no proof: no promise to wait for then.
    if (proof === null) return undefined;
    ctx.responseHeader.set("dpop-nonce", dpop.nonce());
    return dpop.verify(repositories(ctx, tenantId).usedJtis, proof, {
      site: "token",
      method: ctx.requestMethod,
      url: requestUrlOf(deps.publicUrl, ctx),
      requireNonce: true,
    });
  };

  return {
    async getJwks(request, ctx) {
      const jwks = await documents.jwks(request.tenantId);
      // Shorter than the key publish lead, so relying parties learn a new key before it signs.
      ctx.responseHeader.set("cache-control", "public, max-age=300");
      return jwks;
    },

    async getOpenidConfiguration(request, ctx) {
      const configuration = await documents.openidConfiguration(request.tenantId, issuers.familyOfRequest(ctx.url, request.tenantId));
      ctx.responseHeader.set("cache-control", "public, max-age=3600");
      return configuration;
    },

    async authorize(request, ctx) {
      noStore(ctx);
      const em = entityManager(ctx);
      const family = issuers.familyOfRequest(ctx.url, request.tenantId);
      const params = paramsOfFields(request);
      const resolved = request.tenantId
        ? await deps.authorizationRequests.resolve(em, repositories(ctx, request.tenantId).pushedRequests, {
            tenantId: request.tenantId,
            family,
            params,
            request: request.request,
            requestUri: request.requestUri,
          })
        : undefined;
      const target =
        resolved && "location" in resolved
          ? resolved
          : await authorization.authorize(em, resolved ?? authorizeInputOf(request.tenantId, family, params), sessionCookie(ctx));
      // 303 after a form POST, so that the browser follows with a GET (RFC 9700 §4.12).
      redirect(ctx, target.location, ctx.requestMethod === "POST" ? 303 : 302);
      return {};
    },

    async pushAuthorizationRequest(request, ctx) {
      noStore(ctx);
      if (!request.tenantId) throw oauthError("invalid_request", "tenant_id is required");
      // RFC 9449 §10.1: a DPoP proof here binds the code to its key, as `dpop_jkt` does. The
      // proof first, as at the token endpoint: a refused proof spends no client assertion.
      const pendingKey = dpopKeyOf(ctx, request.tenantId);
      const dpopJkt = pendingKey === undefined ? undefined : await pendingKey;
      const client = await clientOf(ctx, request);
      const pushed = await deps.authorizationRequests.push(repositories(ctx, request.tenantId).pushedRequests, client, {
        tenantId: request.tenantId,
        family: issuers.familyOfRequest(ctx.url, request.tenantId),
        params: paramsOfFields(request),
        request: request.request,
        dpopJkt,
      });
      setHttpStatus(ctx, 201);
      return pushed;
    },

    async token(request, ctx) {
      noStore(ctx);
      if (!request.tenantId) throw oauthError("invalid_request", "tenant_id is required");
      const repos = repositories(ctx, request.tenantId);
      // The proof first: a refused proof spends no client assertion.
      const pendingKey = dpopKeyOf(ctx, request.tenantId);
      const dpopJkt = pendingKey === undefined ? undefined : await pendingKey;
      const client = await clientOf(ctx, request);
      if (!["authorization_code", "refresh_token", "client_credentials"].includes(request.grantType)) {
        throw oauthError("unsupported_grant_type", `Unsupported grant_type: ${request.grantType || "(none)"}`);
      }
      if (!client.flow.grant_types.includes(request.grantType)) {
        throw oauthError("unauthorized_client", `The client may not use ${request.grantType}`);
      }
      if (client.dpopBoundAccessTokens && !dpopJkt) {
        throw oauthError("invalid_request", "This client's tokens are DPoP-bound: send a DPoP proof (RFC 9449)");
      }
      checkResources(request.resource, request.grantType, issuers.adminApi);
      const grantDeps = { tokens, issuers, reuseGraceSeconds: deps.refreshTokenReuseGraceSeconds };
      const bindings = repos.dpopBindings;
      switch (request.grantType) {
        case "authorization_code": {
          if (!request.code) throw oauthError("invalid_request", "code is required");
          const issued = await authorizationCodeGrant(repos, grantDeps, client, {
            code: request.code,
            redirectUri: request.redirectUri,
            codeVerifier: request.codeVerifier,
            dpopJkt,
          });
          // RFC 9449 §5: a public client's refresh tokens are bound to the key (a confidential
          // client's are bound to it by its authentication already).
          if (dpopJkt && issued.refreshToken && issued.familyId && client.clientType === "public") {
            await bindings.bindFamily(issued.familyId, dpopJkt);
          }
          return tokenAnswer(issued, dpopJkt);
        }
        case "refresh_token": {
          if (!request.refreshToken) throw oauthError("invalid_request", "refresh_token is required");
          // The grant checks the family's DPoP binding on the row it reads the token from.
          return tokenAnswer(
            await refreshTokenGrant(repos, grantDeps, client, {
              refreshToken: request.refreshToken,
              scope: request.scope,
              dpopJkt,
            }),
            dpopJkt,
          );
        }
        default: {
          const issuer = issuers.of(request.tenantId, issuers.familyOfRequest(ctx.url, request.tenantId));
          return tokenAnswer(await clientCredentialsGrant(tokens, issuer, client, { scope: request.scope, dpopJkt }), dpopJkt);
        }
      }
    },

    async userinfo(request, ctx) {
      noStore(ctx);
      // Failed authentications count against the address, as at the admin API (auth/authenticator.ts).
      const addressFailures = limits.bucket("addressFailures", ctx.values.get(clientAddressKey));
      limits.refuseKnown([addressFailures]);
      const presented = accessTokenOf(ctx, request.accessToken);
      const checked: CheckedAccessToken | undefined = await deps.accessTokens.check(unitOfWork(ctx), presented.token);
      if (!checked || (request.tenantId && checked.issuer.tenantId !== request.tenantId)) {
        await limits.count([addressFailures]);
        throw oauthError("invalid_token", "The access token is invalid, expired or revoked");
      }
      try {
        await checkSenderConstraint(dpop, repositories(ctx, checked.issuer.tenantId).usedJtis, checked.claims.cnf?.jkt, {
          ...presented,
          proof: ctx.requestHeader.get("dpop"),
          method: ctx.requestMethod,
          url: requestUrlOf(deps.publicUrl, ctx),
        });
      } catch (error) {
        await limits.count([addressFailures]);
        throw error;
      }
      const claims = userinfoClaims(checked);
      // userinfoClaims refused a token without a user; the groups, address and phone claims need
      // a read each, only when their scope was granted (groups-claim.ts, contact-claims.ts).
      const repos = repositories(ctx, checked.issuer.tenantId);
      const userId = checked.user?.id ?? "";
      const groups = await groupsClaim(repos.groups, userId, checked.claims.scope);
      const contacts = await contactClaims(repos.scimUsers, userId, checked.claims.scope);
      return { claims: { ...claims, ...contacts, ...groups } as JsonObject };
    },

    async revoke(request, ctx) {
      noStore(ctx);
      // A signed-in user (API key or bearer token, admitted by the interceptor) revokes their own
      // tokens; anyone else must authenticate as an OAuth client.
      const user = ctx.values.get(principalKey);
      if (user && (request.clientId || request.clientSecret || request.clientAssertion)) {
        throw oauthError("invalid_request", "Authenticate one way only: client credentials or a bearer token");
      }
      const [tenantId, owner] = user
        ? [user.tenantId, { userId: user.userId }]
        : [request.tenantId, { clientId: (await clientOf(ctx, request)).clientId }];
      if (!request.token) throw oauthError("invalid_request", "token is required");
      await revokeToken(repositories(ctx, tenantId), tokens, owner, request.token, request.tokenTypeHint);
      return {};
    },

    async introspect(request, ctx) {
      noStore(ctx);
      const client = await clientOf(ctx, request);
      const { aud, ...answer } = await introspectToken(
        repositories(ctx, request.tenantId),
        deps.accessTokens,
        client,
        request.token,
        request.tokenTypeHint,
      );
      return { ...answer, ...(aud !== undefined ? { aud: fromJson(ValueSchema, aud) } : {}) };
    },
  };
}
