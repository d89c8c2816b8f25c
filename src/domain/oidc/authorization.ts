// The authorization endpoint and Sign In (OAuth 2.0 §4.1, OpenID Connect Core §3.1.2, RFC 9700,
// RFC 9207), as small steps in the order the specs give them. Until the redirect URI is known to
// be registered, errors go to the error page — never to an unverified URI; after that they go
// back to the client with `error`, `error_description`, `state` and `iss`.
import { createHash, timingSafeEqual } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import { AuthRequestEntity } from "../../persistence/entities/auth-flow.js";
import { type Client, ClientEntity } from "../../persistence/entities/client.js";
import { AuthorizationCodeEntity, type Session, TokenFamilyEntity } from "../../persistence/entities/oidc.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { TenantEntity } from "../../persistence/entities/tenant.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { issueSecret, randomId } from "../login/single-use-secrets.js";
import type { IssuerFamily, Issuers, TenantIssuer } from "./issuers.js";
import { createSession, sessionOfCookie, touchSession } from "./sessions.js";
import { executeSql } from "../../persistence/execute-sql.js";

export const AUTH_REQUEST_TTL_SECONDS = 15 * 60;
export const CODE_TTL_SECONDS = 60;

const PROMPTS = new Set(["none", "login", "consent", "select_account"]);
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface AuthorizeInput {
  tenantId: string;
  family: IssuerFamily;
  responseType: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  nonce: string;
  prompt: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  loginHint: string;
  emailHint: string;
  maxAge?: bigint;
  responseMode: string;
}

/** The parameters kept with a pending authorization request. */
export interface AuthRequestParams {
  redirect_uri: string;
  scope: string;
  state: string;
  nonce: string;
  code_challenge: string;
  prompt: string[];
  max_age: number | null;
  login_hint: string;
  email_hint: string;
  issuer: string;
  family: IssuerFamily;
}

/** Where to send the browser. */
export type Redirect = { readonly location: string };

export interface AuthorizeDeps {
  readonly issuers: Issuers;
}

function errorPage(issuers: Issuers, error: string, description: string): Redirect {
  const url = new URL(issuers.endpoints(issuers.of("_")).errorPage);
  url.search = new URLSearchParams({ error, error_description: description }).toString();
  return { location: url.toString() };
}

export function redirectWith(redirectUri: string, params: Record<string, string>): Redirect {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== "") url.searchParams.set(key, value);
  return { location: url.toString() };
}

export class Authorization {
  constructor(private readonly deps: AuthorizeDeps) {}

  async authorize(em: EntityManager, input: AuthorizeInput, sessionCookie: string | undefined): Promise<Redirect> {
    const { issuers } = this.deps;
    // 1. Tenant, client and redirect URI: until they check out, only the error page is safe.
    const tenant = input.tenantId ? await em.findOne(TenantEntity, { id: input.tenantId }) : null;
    if (!tenant) return errorPage(issuers, "invalid_request", "Unknown tenant");
    const client = input.clientId ? await scopeToTenant(em, tenant.id).findOne(ClientEntity, { clientId: input.clientId }) : null;
    if (!client) return errorPage(issuers, "invalid_client", "Unknown client");
    if (!input.redirectUri || !client.redirectUris.includes(input.redirectUri)) {
      return errorPage(issuers, "invalid_request", "The redirect_uri is not registered for this client");
    }
    const issuer = issuers.of(tenant.id, input.family);
    const back = (error: string, description: string) =>
      redirectWith(input.redirectUri, { error, error_description: description, state: input.state, iss: issuer.issuer });

    // 2. The request itself.
    if (client.isLock) return back("unauthorized_client", "The client is locked");
    if (input.responseType !== "code") return back("unsupported_response_type", "Only response_type=code is supported");
    if (input.responseMode && input.responseMode !== "query") return back("invalid_request", "Only response_mode=query is supported");
    if (!client.flow.grant_types.includes("authorization_code")) {
      return back("unauthorized_client", "The client may not use the authorization code flow");
    }
    const scopes = (input.scope || "openid").split(" ").filter(Boolean);
    const refused = scopes.filter((scope) => !client.allowedScopes.includes(scope));
    if (refused.length > 0) return back("invalid_scope", `Scopes not allowed for this client: ${refused.join(" ")}`);
    if (input.codeChallengeMethod && input.codeChallengeMethod !== "S256") {
      return back("invalid_request", "code_challenge_method must be S256");
    }
    if (input.codeChallenge && !PKCE_CHALLENGE.test(input.codeChallenge)) {
      return back("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)");
    }
    if (!input.codeChallenge && client.clientType === "public")
      return back("invalid_request", "PKCE (S256) is required for public clients");
    const prompt = input.prompt.split(" ").filter(Boolean);
    if (prompt.some((p) => !PROMPTS.has(p)) || (prompt.includes("none") && prompt.length > 1)) {
      return back("invalid_request", "Invalid prompt");
    }
    const maxAge = input.maxAge === undefined ? null : Number(input.maxAge);

    const params: AuthRequestParams = {
      redirect_uri: input.redirectUri,
      scope: scopes.join(" "),
      state: input.state,
      nonce: input.nonce,
      code_challenge: input.codeChallenge,
      prompt,
      max_age: maxAge,
      login_hint: input.loginHint,
      email_hint: input.emailHint,
      issuer: issuer.issuer,
      family: input.family,
    };

    // 3. Single sign-on: an existing session answers at once unless the client wants a new login.
    const session = await sessionOfCookie(em, tenant.id, sessionCookie);
    const fresh = session && (maxAge === null || Date.now() - session.authTime.getTime() <= maxAge * 1000);
    const forceLogin = prompt.includes("login") || prompt.includes("select_account");
    if (session && fresh && !forceLogin) {
      const user = (await executeSql(em, "select is_disabled from app_user where id = ?", [session.user], "get")) as unknown as
        | { is_disabled: boolean }
        | undefined;
      if (user && !user.is_disabled) {
        return this.issueCode(em, tenant, client, issuer, session, params);
      }
    }
    if (prompt.includes("none")) return back("login_required", "The user is not signed in");

    // 4. Otherwise the login page, with the request kept server-side.
    const id = randomId();
    scopeToTenant(em, tenant.id).create(AuthRequestEntity, {
      id,
      tenant: tenant.id,
      clientId: client.clientId,
      params: { ...params },
      expiresAt: new Date(Date.now() + AUTH_REQUEST_TTL_SECONDS * 1000),
    });
    await em.flush();
    const login = new URL(issuers.endpoints(issuer).loginPage);
    login.searchParams.set("auth_req_id", id);
    if (input.loginHint) login.searchParams.set("login_hint", input.loginHint);
    return { location: login.toString() };
  }

  /** Sign In: exchanges the login's nonce for a session and a code. */
  async signIn(
    em: EntityManager,
    input: { nonce: string; authReqId: string; ip: string; userAgent: string },
    sessionCookie: string | undefined,
  ): Promise<Redirect & { cookie?: string }> {
    const request = await em.findOne(AuthRequestEntity, { id: input.authReqId }, { filters: { tenant: false } });
    if (!request || request.expiresAt <= new Date()) {
      return errorPage(this.deps.issuers, "invalid_request", "The login request has expired; start again from the application");
    }
    const tenantId = request.tenant;
    const [nonce] = (await executeSql(
      em,
      "delete from login_nonce where hash = ? and tenant_id = ? returning user_id, auth_req_id, amr, expires_at",
      [hashSecret(input.nonce), tenantId],
    )) as { user_id: string; auth_req_id: string | null; amr: string[]; expires_at: Date }[];
    if (!nonce || nonce.auth_req_id !== request.id || new Date(nonce.expires_at).getTime() <= Date.now()) {
      return errorPage(this.deps.issuers, "access_denied", "The login is unknown, used or expired; sign in again");
    }
    const tenant = await em.findOneOrFail(TenantEntity, { id: tenantId });
    const client = await scopeToTenant(em, tenantId).findOne(ClientEntity, { clientId: request.clientId });
    const params = request.params as unknown as AuthRequestParams;
    if (!client?.redirectUris.includes(params.redirect_uri)) {
      return errorPage(this.deps.issuers, "invalid_client", "The client no longer exists");
    }
    await em.nativeDelete(AuthRequestEntity, { id: request.id }, { filters: { tenant: { tenantId } } });

    // Reuse the browser's session when it belongs to the same user; a new login refreshes it.
    let session = await sessionOfCookie(em, tenantId, sessionCookie);
    let cookie: string | undefined;
    if (session && session.user === nonce.user_id) {
      session.authTime = new Date();
      session.amr = nonce.amr;
      await touchSession(em, session, client.clientId, params.issuer);
    } else {
      const created = await createSession(em, {
        tenantId,
        userId: nonce.user_id,
        amr: nonce.amr,
        clientId: client.clientId,
        issuer: params.issuer,
        ip: input.ip,
        userAgent: input.userAgent,
      });
      session = created.session;
      cookie = created.cookie;
    }
    const issuer = this.deps.issuers.of(tenantId, params.family);
    const redirect = await this.issueCode(em, tenant, client, issuer, session, params);
    return { ...redirect, ...(cookie ? { cookie } : {}) };
  }

  private async issueCode(
    em: EntityManager,
    tenant: Tenant,
    client: Client,
    issuer: TenantIssuer,
    session: Session,
    params: AuthRequestParams,
  ): Promise<Redirect> {
    await touchSession(em, session, client.clientId, issuer.issuer);
    const code = issueSecret();
    const familyId = randomId();
    const scoped = scopeToTenant(em, tenant.id);
    scoped.create(TokenFamilyEntity, {
      id: familyId,
      tenant: tenant.id,
      clientId: client.clientId,
      userId: session.user,
      sessionId: session.id,
      revokedAt: null,
    });
    scoped.create(AuthorizationCodeEntity, {
      hash: code.hash,
      tenant: tenant.id,
      familyId,
      clientId: client.clientId,
      userId: session.user,
      sessionId: session.id,
      redirectUri: params.redirect_uri,
      codeChallenge: params.code_challenge || null,
      nonce: params.nonce || null,
      scope: params.scope,
      issuer: issuer.issuer,
      authTime: session.authTime,
      amr: session.amr,
      expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000),
      usedAt: null,
    });
    await em.flush();
    return redirectWith(params.redirect_uri, { code: code.value, state: params.state, iss: issuer.issuer });
  }
}

/** RFC 7636 §4.6 with S256. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
