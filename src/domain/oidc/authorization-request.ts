// Where an authorization request's parameters come from before Authorize checks them: the query
// or form itself, a request object (`request`, RFC 9101), or a pushed request (`request_uri`,
// RFC 9126) — and the pushed authorization request endpoint that stores the last kind. A client
// or tenant that requires PAR has every other kind refused.
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import { DomainError } from "../../errors/domain-error.js";
import { type Client, ClientEntity } from "../../persistence/entities/client.js";
import { TenantEntity } from "../../persistence/entities/tenant.js";
import type { PushedRequestRepository } from "../../persistence/repositories/pushed-request-repository.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import type { ClientKeys } from "../clients/client-keys.js";
import { randomId } from "../login/single-use-secrets.js";
import { type AuthorizeInput, errorPage, type Redirect } from "./authorization.js";
import type { IssuerFamily, Issuers } from "./issuers.js";
import { oauthError } from "./oauth-error.js";
import { type AuthorizeParams, requestObjectParams, storedParams } from "./request-object.js";

/** RFC 9126 §2.2: the prefix of the `request_uri`s the PAR endpoint issues. */
export const REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";
/** How long a pushed request may wait for its Authorize (RFC 9126 suggests 5 to 600 seconds). */
export const PUSHED_REQUEST_TTL_SECONDS = 60;

export interface AuthorizationRequestsDeps {
  readonly issuers: Issuers;
  readonly clientKeys: ClientKeys;
  readonly clock: () => number;
}

/** An Authorize call as it arrived: its parameters, and maybe a request object or a pushed request's reference. */
export interface ArrivedAuthorizeRequest {
  readonly tenantId: string;
  readonly family: IssuerFamily;
  readonly params: AuthorizeParams;
  readonly request: string;
  readonly requestUri: string;
}

/** The authorization parameters as the Authorize and PAR messages carry them. */
export interface AuthorizeFields {
  readonly responseType: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string;
  readonly nonce: string;
  readonly prompt: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: string;
  readonly loginHint: string;
  readonly emailHint: string;
  readonly maxAge?: bigint | undefined;
  readonly responseMode: string;
  readonly resource: readonly string[];
  readonly uiLocales: string;
  readonly acrValues: string;
  readonly dpopJkt: string;
}

/** The parameters a message sets, by their OAuth names (unset ones left out, so a stored request stays small). */
export function paramsOfFields(fields: AuthorizeFields): AuthorizeParams {
  const named: [string, string][] = [
    ["response_type", fields.responseType],
    ["client_id", fields.clientId],
    ["redirect_uri", fields.redirectUri],
    ["scope", fields.scope],
    ["state", fields.state],
    ["nonce", fields.nonce],
    ["prompt", fields.prompt],
    ["code_challenge", fields.codeChallenge],
    ["code_challenge_method", fields.codeChallengeMethod],
    ["login_hint", fields.loginHint],
    ["email_hint", fields.emailHint],
    ["max_age", fields.maxAge === undefined ? "" : String(fields.maxAge)],
    ["response_mode", fields.responseMode],
    ["ui_locales", fields.uiLocales],
    ["acr_values", fields.acrValues],
    ["dpop_jkt", fields.dpopJkt],
  ];
  const params: Record<string, string | readonly string[]> = {};
  for (const [name, value] of named) if (value) params[name] = value;
  if (fields.resource.length > 0) params.resource = [...fields.resource];
  return params;
}

const one = (params: AuthorizeParams, name: string): string => {
  const value = params[name];
  return typeof value === "string" ? value : "";
};

/** Authorize's input from a set of parameters. */
export function authorizeInputOf(tenantId: string, family: IssuerFamily, params: AuthorizeParams): AuthorizeInput {
  const maxAge = one(params, "max_age");
  const resource = params.resource;
  return {
    tenantId,
    family,
    responseType: one(params, "response_type"),
    clientId: one(params, "client_id"),
    redirectUri: one(params, "redirect_uri"),
    scope: one(params, "scope"),
    state: one(params, "state"),
    nonce: one(params, "nonce"),
    prompt: one(params, "prompt"),
    codeChallenge: one(params, "code_challenge"),
    codeChallengeMethod: one(params, "code_challenge_method"),
    loginHint: one(params, "login_hint"),
    emailHint: one(params, "email_hint"),
    ...(/^\d{1,12}$/.test(maxAge) ? { maxAge: BigInt(maxAge) } : {}),
    responseMode: one(params, "response_mode"),
    resources: typeof resource === "string" ? [resource] : [...(resource ?? [])],
    uiLocales: one(params, "ui_locales"),
    acrValues: one(params, "acr_values"),
    dpopJkt: one(params, "dpop_jkt"),
  };
}

/**
 * RFC 9449 §10.1: the key of a DPoP proof sent to the PAR endpoint is the request's `dpop_jkt`;
 * a `dpop_jkt` naming another key is refused.
 */
function withProofKey(params: AuthorizeParams, proofJkt: string | undefined): AuthorizeParams {
  if (proofJkt === undefined) return params;
  const named = one(params, "dpop_jkt");
  if (named && named !== proofJkt) throw oauthError("invalid_request", "dpop_jkt names another key than the DPoP proof's");
  return { ...params, dpop_jkt: proofJkt };
}

export class AuthorizationRequests {
  constructor(private readonly deps: AuthorizationRequestsDeps) {}

  /**
   * The input Authorize checks: the request's own parameters, or those of its request object or
   * pushed request. A request object that does not verify, or a refused kind of request, becomes
   * the input's `refusal` (sent to the client once its redirect URI checks out); an unusable
   * `request_uri`, which names no redirect URI to trust, goes to the error page.
   */
  async resolve(em: EntityManager, pushed: PushedRequestRepository, arrived: ArrivedAuthorizeRequest): Promise<AuthorizeInput | Redirect> {
    const { issuers } = this.deps;
    const outer = authorizeInputOf(arrived.tenantId, arrived.family, arrived.params);
    const issuer = issuers.of(arrived.tenantId, arrived.family).issuer;
    if (arrived.request && arrived.requestUri) {
      return { ...outer, refusal: oauthError("invalid_request", "Send request or request_uri, not both") };
    }
    const found = await this.clientOf(em, arrived.tenantId, outer.clientId);
    if (!found) return outer; // Authorize shows the error page for an unknown tenant or client.
    const { tenant, client } = found;

    if (arrived.requestUri) {
      if (!arrived.requestUri.startsWith(REQUEST_URI_PREFIX)) {
        return {
          ...outer,
          refusal: oauthError(
            "request_uri_not_supported",
            "Only request_uri values of the pushed authorization request endpoint are supported",
          ),
        };
      }
      const params = await pushed.take(hashSecret(arrived.requestUri), client.clientId, new Date(this.deps.clock()));
      if (!params) {
        return errorPage(
          issuers,
          "invalid_request_uri",
          "The request_uri is unknown, expired or already used; start again from the application",
          {
            tenant_id: tenant.id,
            client_id: client.clientId,
          },
        );
      }
      return authorizeInputOf(arrived.tenantId, arrived.family, storedParams(params));
    }

    if (tenant.requirePushedAuthorizationRequests || client.requirePushedAuthorizationRequests) {
      return { ...outer, refusal: oauthError("invalid_request", "This client must push its authorization requests (PAR, RFC 9126)") };
    }
    if (!arrived.request) return outer;
    try {
      const params = await requestObjectParams(this.deps.clientKeys, client, arrived.request, issuer, this.deps.clock());
      return authorizeInputOf(arrived.tenantId, arrived.family, params);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Its parameters unread, the request may name no redirect URI of its own: then the error page says why.
      if (!outer.redirectUri) {
        return errorPage(issuers, error.oauthError ?? "invalid_request_object", error.message, {
          tenant_id: tenant.id,
          client_id: client.clientId,
        });
      }
      return { ...outer, refusal: error };
    }
  }

  /**
   * The pushed authorization request endpoint, for an authenticated client: stores the request's
   * parameters (or its request object's) under a new single-use `request_uri`. The redirect URI
   * and the response type are checked here, so that the client learns of them at once; the rest
   * when the browser arrives, as for any authorization request.
   */
  async push(
    pushed: PushedRequestRepository,
    client: Client,
    arrived: Omit<ArrivedAuthorizeRequest, "requestUri"> & { readonly dpopJkt?: string | undefined },
  ): Promise<{ requestUri: string; expiresIn: number }> {
    const issuer = this.deps.issuers.of(arrived.tenantId, arrived.family).issuer;
    const outerClientId = one(arrived.params, "client_id");
    if (outerClientId && outerClientId !== client.clientId)
      throw oauthError("invalid_request", "client_id differs from the authenticated client");
    const requested = arrived.request
      ? await requestObjectParams(this.deps.clientKeys, client, arrived.request, issuer, this.deps.clock())
      : { ...arrived.params, client_id: client.clientId };
    const params = withProofKey(requested, arrived.dpopJkt);
    const redirectUri = one(params, "redirect_uri");
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
      throw oauthError("invalid_request", "The redirect_uri is not registered for this client");
    }
    if (one(params, "response_type") !== "code") throw oauthError("unsupported_response_type", "Only response_type=code is supported");
    const requestUri = `${REQUEST_URI_PREFIX}${randomId()}`;
    const expiresAt = new Date(this.deps.clock() + PUSHED_REQUEST_TTL_SECONDS * 1000);
    await pushed.store(hashSecret(requestUri), client.clientId, params, expiresAt);
    return { requestUri, expiresIn: PUSHED_REQUEST_TTL_SECONDS };
  }

  private async clientOf(em: EntityManager, tenantId: string, clientId: string) {
    if (!tenantId || !clientId) return undefined;
    const tenant = await em.findOne(TenantEntity, { id: tenantId });
    const client = tenant ? await scopeToTenant(em, tenantId).findOne(ClientEntity, { clientId }) : null;
    return tenant && client ? { tenant, client } : undefined;
  }
}
