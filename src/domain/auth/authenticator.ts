// Resolves the caller of a request from its credentials: an API key (`X-API-Key`, or
// `Authorization: Bearer svk_…` as SCIM clients send it) or an access token of a signed-in user
// (`Authorization: Bearer <jwt>`, verified by the OIDC layer through AccessTokenVerifier).
// Failed authentications count against the client address and the API key id (rate limits,
// domain/ratelimit/); an address past its limit is refused before its credentials are looked at.
import { Code, DomainError, unauthenticated } from "../../errors/domain-error.js";
import type { Logger } from "../../logging/logger.js";
import { secretMatches } from "../../crypto/secret-hash.js";
import type { ApiKeyCredential, ApiKeyLookup } from "../../persistence/repositories/api-key-lookup.js";
import type { RateLimiter } from "../ratelimit/rate-limiter.js";
import { looksLikeApiKey, parseApiKey } from "./api-key-secret.js";
import { effectiveScopes, type Principal, roleOf } from "./permissions.js";

/** How an access token came: its scheme (`DPoP`, RFC 9449 §7.1), its proof, and the request the proof must name. */
export interface AccessTokenRequest {
  readonly scheme: "Bearer" | "DPoP";
  readonly proof: string | null;
  readonly method: string;
  /** The request's path (its URL's pathname; a query is ignored). */
  readonly path: string;
}

/** Verifies an access token; undefined when it is not valid (expired, revoked, foreign). */
export interface AccessTokenVerifier {
  verify(token: string, request?: AccessTokenRequest): Promise<Principal | undefined>;
}

/** `last_use_at` is written at most this often per key, not on every request. */
const LAST_USE_RESOLUTION_MS = 60_000;

export class Authenticator {
  constructor(
    private readonly apiKeys: ApiKeyLookup,
    private readonly logger: Logger,
    private readonly limits: RateLimiter,
    private readonly accessTokens?: AccessTokenVerifier,
    /** Told of the `last_use_at` writes, which no request waits for (a shutdown does). */
    private readonly track: (work: Promise<unknown>) => void = () => {},
  ) {}

  /**
   * The caller, or undefined when the request carries no credentials. Bad credentials throw
   * Unauthenticated, and count against the client `address` (and the API key id); past a rate
   * limit, ResourceExhausted (429).
   */
  async authenticate(
    headers: Headers,
    address: string,
    request: { method: string; url: string } = { method: "POST", url: "/" },
  ): Promise<Principal | undefined> {
    const apiKey = headers.get("x-api-key");
    const authorization = headers.get("authorization");
    if (!apiKey && !authorization) return undefined;
    const addressFailures = this.limits.bucket("addressFailures", address);
    this.limits.refuseKnown([addressFailures]);
    const presented = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(authorization ?? "");
    const scheme = presented?.[1]?.toLowerCase() === "dpop" ? "DPoP" : "Bearer";
    const token = apiKey || presented?.[2];
    try {
      if (!token) throw unauthenticated("Unsupported Authorization scheme: use Bearer (or DPoP for a DPoP-bound access token)");
      if (apiKey || looksLikeApiKey(token)) {
        if (!apiKey && scheme === "DPoP") throw unauthenticated("API keys are sent with the Bearer scheme");
        return await this.fromApiKey(token);
      }
      const path = request.url.startsWith("/") ? request.url.split("?")[0] : new URL(request.url).pathname;
      return await this.fromAccessToken(token, { scheme, proof: headers.get("dpop"), method: request.method, path: path ?? "/" });
    } catch (error) {
      if (error instanceof DomainError && error.code === Code.Unauthenticated) {
        const keyId = parseApiKey(token ?? "")?.id;
        await this.limits.count([addressFailures, keyId === undefined ? undefined : this.limits.bucket("keyFailures", keyId)]);
      }
      throw error;
    }
  }

  private async fromAccessToken(token: string, request: AccessTokenRequest): Promise<Principal> {
    const principal = await this.accessTokens?.verify(token, request);
    if (!principal) throw unauthenticated("Invalid or expired access token");
    return principal;
  }

  private async fromApiKey(presented: string): Promise<Principal> {
    const parsed = parseApiKey(presented);
    if (!parsed) throw unauthenticated("Invalid API key");
    const row = await this.apiKeys.find(parsed.id);
    if (!row?.isActive || row.userDisabled || !secretMatches(parsed.secret, row.secretHash)) {
      throw unauthenticated("Invalid API key");
    }
    this.recordUse(row);
    const ownerRole = roleOf(row.userRoles);
    const home = row.tenantId === row.homeTenantId;
    // A super admin's key made for another tenant administers only that tenant.
    const role = ownerRole === "super_admin" && !home ? "tenant_admin" : ownerRole;
    if (!home && ownerRole !== "super_admin") throw unauthenticated("Invalid API key");
    return {
      kind: "api_key",
      userId: row.userId,
      tenantId: row.tenantId,
      role,
      scopes: effectiveScopes(row.scopes, role),
      global: role === "super_admin",
      apiKeyId: row.id,
    };
  }

  private recordUse(key: ApiKeyCredential): void {
    if (key.lastUseAt && Date.now() - key.lastUseAt.getTime() < LAST_USE_RESOLUTION_MS) return;
    this.track(
      this.apiKeys
        .recordUse(key.id, key.tenantId)
        .catch((error: unknown) => this.logger.warn({ err: error, keyId: key.id }, "could not record API key use")),
    );
  }
}
