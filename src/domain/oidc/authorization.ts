// The authorization endpoint and Sign In (OAuth 2.0 §4.1, OpenID Connect Core §3.1.2, RFC 9700,
// RFC 9207), as small steps in the order the specs give them. Until the redirect URI is known to
// be registered, errors go to the error page — never to an unverified URI; after that they go
// back to the client with `error`, `error_description`, `state` and `iss`.
import { createHash, timingSafeEqual } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import type { DomainError } from "../../errors/domain-error.js";
import type { Client } from "../../persistence/entities/client.js";
import type { Session } from "../../persistence/entities/oidc.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { AuthRequestLookup } from "../../persistence/repositories/auth-request-lookup.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../persistence/unit-of-work.js";
import { isAdminApiScope, roleOf, type Scope, scopesOfRole } from "../auth/permissions.js";
import { type FactorStep, kindOf } from "../login/factors.js";
import {
  type AuthenticationRequest,
  decideSignIn,
  type SignInDecision,
  type SignInSubject,
  sessionSatisfies,
} from "../login/sign-in-policy.js";
import { issueSecret, randomId } from "../login/single-use-secrets.js";
import type { IssuerFamily, Issuers, TenantIssuer } from "./issuers.js";
import { createSession, sessionOfCookie, touchSession } from "./sessions.js";

export const AUTH_REQUEST_TTL_SECONDS = 15 * 60;
export const CODE_TTL_SECONDS = 60;

const PROMPTS = new Set(["none", "login", "consent", "select_account"]);
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** A JWK SHA-256 thumbprint, base64url (RFC 7638), as `dpop_jkt` names a key. */
const JWK_THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

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
  /** RFC 8707 resource indicators. */
  resources: readonly string[];
  /** OIDC `ui_locales`, for the hosted pages. */
  uiLocales?: string;
  /** OIDC `acr_values` (space-separated): a step-up request (login/sign-in-policy.ts). */
  acrValues?: string;
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is bound to. */
  dpopJkt?: string;
  /** Why the request is refused before its own checks (a bad request object, PAR required; authorization-request.ts). */
  refusal?: DomainError;
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
  /** The languages the application asked the hosted pages to speak (absent in older requests). */
  ui_locales?: string;
  /** The application's `acr_values` (absent in older requests). */
  acr_values?: string[];
  /** The DPoP key the code is bound to (RFC 9449 §10), if the application named one. */
  dpop_jkt?: string;
}

/** Where to send the browser. */
export type Redirect = { readonly location: string };

export interface AuthorizeDeps {
  readonly issuers: Issuers;
  /** Epoch milliseconds; injectable so that tests can age a session (max_age) without waiting. */
  readonly clock?: () => number;
}

/** The hosted error page; with the tenant and client when known, so that it shows their branding. */
export function errorPage(issuers: Issuers, error: string, description: string, context: Record<string, string> = {}): Redirect {
  const url = new URL(issuers.endpoints(issuers.of("_")).errorPage);
  url.search = new URLSearchParams({ error, error_description: description, ...context }).toString();
  return { location: url.toString() };
}

export function redirectWith(redirectUri: string, params: Record<string, string>): Redirect {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== "") url.searchParams.set(key, value);
  return { location: url.toString() };
}

/** What the sign-in policy needs to know of a pending request. */
export function authenticationRequestOf(params: Pick<AuthRequestParams, "prompt" | "max_age" | "acr_values">): AuthenticationRequest {
  return {
    acrValues: params.acr_values ?? [],
    maxAge: params.max_age,
    forceLogin: params.prompt.includes("login") || params.prompt.includes("select_account"),
  };
}

/** The error a relying party gets when the policy needs a factor this server cannot check. */
const UNMET = "unmet_authentication_requirements";

export class Authorization {
  private readonly now: () => number;

  constructor(private readonly deps: AuthorizeDeps) {
    this.now = deps.clock ?? Date.now;
  }

  async authorize(em: EntityManager, input: AuthorizeInput, sessionCookie: string | undefined): Promise<Redirect> {
    const { issuers } = this.deps;
    // 1. Tenant, client and redirect URI: until they check out, only the error page is safe.
    const repos = input.tenantId ? new TenantRepositories(new UnitOfWork(em), input.tenantId) : undefined;
    const tenant = await repos?.authorization.tenant();
    if (!repos || !tenant) return errorPage(issuers, "invalid_request", "Unknown tenant");
    const client = input.clientId ? await repos.authorization.client(input.clientId) : null;
    if (!client) return errorPage(issuers, "invalid_client", "Unknown client", { tenant_id: tenant.id });
    if (!input.redirectUri || !client.redirectUris.includes(input.redirectUri)) {
      return errorPage(issuers, "invalid_request", "The redirect_uri is not registered for this client", {
        tenant_id: tenant.id,
        client_id: client.clientId,
        ...(input.uiLocales ? { ui_locales: input.uiLocales } : {}),
      });
    }
    const issuer = issuers.of(tenant.id, input.family);
    const back = (error: string, description: string) =>
      redirectWith(input.redirectUri, { error, error_description: description, state: input.state, iss: issuer.issuer });

    // 2. The request itself.
    if (input.refusal) return back(input.refusal.oauthError ?? "invalid_request", input.refusal.message);
    if (client.isLock) return back("unauthorized_client", "The client is locked");
    if (input.responseType !== "code") return back("unsupported_response_type", "Only response_type=code is supported");
    if (input.responseMode && input.responseMode !== "query") return back("invalid_request", "Only response_mode=query is supported");
    if (!client.flow.grant_types.includes("authorization_code")) {
      return back("unauthorized_client", "The client may not use the authorization code flow");
    }
    const scopes = (input.scope || "openid").split(" ").filter(Boolean);
    const refused = scopes.filter((scope) => !client.allowedScopes.includes(scope));
    if (refused.length > 0) return back("invalid_scope", `Scopes not allowed for this client: ${refused.join(" ")}`);
    // The admin API's scopes name what a token for it may do; `resource` can only confirm it.
    const unknownResource = input.resources.find((resource) => resource !== issuers.adminApi);
    if (unknownResource !== undefined) return back("invalid_target", `Unknown resource; the one resource is ${issuers.adminApi}`);
    if (input.resources.length > 0 && !scopes.some(isAdminApiScope)) {
      return back("invalid_scope", "A token for the admin API needs at least one of its scopes");
    }
    if (input.codeChallengeMethod && input.codeChallengeMethod !== "S256") {
      return back("invalid_request", "code_challenge_method must be S256");
    }
    if (input.codeChallenge && !PKCE_CHALLENGE.test(input.codeChallenge)) {
      return back("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)");
    }
    if (!input.codeChallenge && client.clientType === "public")
      return back("invalid_request", "PKCE (S256) is required for public clients");
    if (input.dpopJkt && !JWK_THUMBPRINT.test(input.dpopJkt)) {
      return back("invalid_request", "dpop_jkt must be a base64url SHA-256 JWK thumbprint (43 characters)");
    }
    const prompt = input.prompt.split(" ").filter(Boolean);
    if (prompt.some((p) => !PROMPTS.has(p)) || (prompt.includes("none") && prompt.length > 1)) {
      return back("invalid_request", "Invalid prompt");
    }
    const maxAge = input.maxAge === undefined ? null : Number(input.maxAge);
    const acrValues = (input.acrValues ?? "").split(" ").filter(Boolean);

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
      ...(input.uiLocales ? { ui_locales: input.uiLocales } : {}),
      ...(acrValues.length > 0 ? { acr_values: acrValues } : {}),
      ...(input.dpopJkt ? { dpop_jkt: input.dpopJkt } : {}),
    };
    const wanted = authenticationRequestOf(params);

    // A factor the policy needs but this server cannot check: say so now, before any step.
    const start = decideSignIn(tenant, wanted, []);
    if (start.outcome === "unavailable") return back(UNMET, start.reason);

    // 3. Single sign-on: an existing session answers at once when it satisfies the policy and the
    // request (not prompt=login, not older than max_age, every required factor in its amr).
    const session = await sessionOfCookie(repos.sessions, sessionCookie);
    if (
      session &&
      sessionSatisfies(
        tenant,
        wanted,
        { authTime: session.authTime.getTime(), amr: session.amr },
        this.now(),
        await subjectOf(repos, tenant, session.user),
      )
    ) {
      const user = await repos.users.find(session.user);
      if (user && !user.isDisabled) {
        return this.issueCode(repos, client, issuer, session, params);
      }
    }
    if (prompt.includes("none")) return back("login_required", "The user is not signed in");

    // 4. Otherwise the login page, with the request kept server-side.
    const id = randomId();
    await repos.authorization.createAuthRequest({
      id,
      clientId: client.clientId,
      params: { ...params },
      expiresAt: new Date(this.now() + AUTH_REQUEST_TTL_SECONDS * 1000),
    });
    const login = new URL(issuers.endpoints(issuer).loginPage);
    login.searchParams.set("auth_req_id", id);
    if (input.loginHint) login.searchParams.set("login_hint", input.loginHint);
    return { location: login.toString() };
  }

  /**
   * Sign In: exchanges the login's nonces for a session and a code once the sign-in policy is
   * satisfied. The presented nonce stands for its user: every live nonce of that user and request
   * is a factor step that passed, and the union of their amr is what the policy judges. When more
   * is needed, nothing is written and the browser goes back to the login page at the next step.
   * Otherwise one transaction consumes the nonces and the request and stores the session and the
   * code, so that a failure leaves the login usable for another try.
   */
  async signIn(
    em: EntityManager,
    input: { nonce: string; authReqId: string; ip: string; userAgent: string; offerPasskey?: boolean },
    sessionCookie: string | undefined,
  ): Promise<Redirect & { cookie?: string }> {
    const pending = await this.pendingRequest(em, input.authReqId);
    if ("location" in pending) return pending;
    const { request, repos, tenant, client, params, issuer } = pending;
    const nonceHash = hashSecret(input.nonce);
    const used = () => this.loginUsed();

    // Validate first: which factors passed, and does the policy accept them?
    const steps = await repos.authorization.loginSteps(nonceHash, request.id);
    if (!steps.some((step) => step.presented)) return used();
    const subject = await subjectOf(repos, tenant, steps[0]?.userId as string);
    const decision = this.decide(tenant, params, steps, subject);
    if (decision.outcome === "unavailable") return this.refuse(params, issuer, decision.reason);
    if (decision.outcome === "incomplete") return this.nextStep(issuer, request.id, decision.next);

    // Then write: consume the nonces (all of them, or none if another Sign In got there first).
    const userId = steps[0]?.userId as string;
    return repos
      .transactional(async (tx) => {
        const consumed = await tx.authorization.consumeLoginSteps(nonceHash, request.id);
        const final = this.decide(tenant, params, consumed, subject);
        if (!consumed.some((step) => step.presented) || final.outcome !== "satisfied") throw new LoginRaced();
        // The passkey offer keeps the request for its continuation (resumeAfterOffer).
        const offer = input.offerPasskey === true && (await offersPasskey(tx, tenant, final.amr, userId));
        if (!offer) await tx.authorization.deleteAuthRequest(request.id);

        // Reuse the browser's session when it belongs to the same user; a new login refreshes it.
        const now = new Date(this.now());
        const browser = await sessionOfCookie(tx.sessions, sessionCookie);
        let session: Session;
        let cookie: string | undefined;
        if (browser && browser.user === userId) {
          session = browser;
          session.amr = final.amr;
        } else {
          ({ session, cookie } = await createSession(tx.sessions, {
            userId,
            amr: final.amr,
            clientId: client.clientId,
            issuer: params.issuer,
            ip: input.ip,
            userAgent: input.userAgent,
            authTime: now,
          }));
        }
        session.authTime = now;
        if (offer) {
          // The session is written with the transaction; the code only when the person goes on.
          await tx.sessions.saveUse(session);
          const page = new URL(this.deps.issuers.endpoints(issuer).passkeyOfferPage);
          page.searchParams.set("auth_req_id", request.id);
          return { location: page.toString(), ...(cookie ? { cookie } : {}) };
        }
        const redirect = await this.issueCode(tx, client, issuer, session, params);
        return { ...redirect, ...(cookie ? { cookie } : {}) };
      })
      .catch((error: unknown) => {
        if (error instanceof LoginRaced) return used();
        throw error;
      });
  }

  /**
   * The way on from the passkey offer (/ui/account/passkey-offer, after Sign In kept the request
   * for it): the request is answered from the browser's session — one that signed in after the
   * request was made, for the same policy — and consumed, once, as Sign In would have.
   */
  async resumeAfterOffer(em: EntityManager, authReqId: string, sessionCookie: string | undefined): Promise<Redirect> {
    const pending = await this.pendingRequest(em, authReqId);
    if ("location" in pending) return pending;
    const { request, repos, tenant, client, params, issuer } = pending;
    // Requests live AUTH_REQUEST_TTL_SECONDS from their creation.
    const createdAt = request.expiresAt.getTime() - AUTH_REQUEST_TTL_SECONDS * 1000;
    // prompt=login and max_age were met by the sign-in that made the session, after the request.
    const wanted = { ...authenticationRequestOf(params), forceLogin: false };
    return repos
      .transactional(async (tx) => {
        const session = await sessionOfCookie(tx.sessions, sessionCookie);
        if (
          !session ||
          session.authTime.getTime() < createdAt ||
          !sessionSatisfies(
            tenant,
            wanted,
            { authTime: session.authTime.getTime(), amr: session.amr },
            this.now(),
            await subjectOf(tx, tenant, session.user),
          )
        ) {
          throw new LoginRaced();
        }
        const user = await tx.users.find(session.user);
        if (!user || user.isDisabled) throw new LoginRaced();
        if (!(await tx.authorization.deleteAuthRequest(request.id))) throw new LoginRaced();
        return this.issueCode(tx, client, issuer, session, params);
      })
      .catch((error: unknown) => {
        if (error instanceof LoginRaced) return this.loginUsed();
        throw error;
      });
  }

  /** A pending request with its tenant and client, or the error page when it expired or they are gone. */
  private async pendingRequest(em: EntityManager, authReqId: string) {
    const { issuers } = this.deps;
    const request = await new AuthRequestLookup(new UnitOfWork(em)).find(authReqId);
    if (!request || request.expiresAt.getTime() <= this.now()) {
      return errorPage(issuers, "invalid_request", "The login request has expired; start again from the application");
    }
    const repos = new TenantRepositories(new UnitOfWork(em), request.tenant);
    const tenant = await repos.authorization.tenant();
    const client = await repos.authorization.client(request.clientId);
    const params = request.params as unknown as AuthRequestParams;
    if (!tenant || !client?.redirectUris.includes(params.redirect_uri)) {
      return errorPage(issuers, "invalid_client", "The client no longer exists");
    }
    return { request, repos, tenant, client, params, issuer: issuers.of(tenant.id, params.family) };
  }

  private loginUsed(): Redirect {
    return errorPage(this.deps.issuers, "access_denied", "The login is unknown, used or expired; sign in again");
  }

  private decide(
    tenant: Tenant,
    params: AuthRequestParams,
    steps: readonly { amr: readonly string[] }[],
    subject: SignInSubject,
  ): SignInDecision {
    return decideSignIn(
      tenant,
      authenticationRequestOf(params),
      steps.flatMap((step) => step.amr),
      subject,
    );
  }

  /** The login page again, at the step that comes next (the page's `step` parameter). */
  private nextStep(issuer: TenantIssuer, authReqId: string, next: readonly FactorStep[]): Redirect {
    const login = new URL(this.deps.issuers.endpoints(issuer).loginPage);
    login.searchParams.set("auth_req_id", authReqId);
    login.searchParams.set("step", next.join(" "));
    return { location: login.toString() };
  }

  /** Back to the application: the policy needs a factor this server cannot check. */
  private refuse(params: AuthRequestParams, issuer: TenantIssuer, reason: string): Redirect {
    return redirectWith(params.redirect_uri, { error: UNMET, error_description: reason, state: params.state, iss: issuer.issuer });
  }

  /** Stores a code for the session, and the session's changes (its use now, a sign-in's authTime and amr). */
  private async issueCode(
    repos: TenantRepositories,
    client: Client,
    issuer: TenantIssuer,
    session: Session,
    params: AuthRequestParams,
  ): Promise<Redirect> {
    touchSession(session, client.clientId, issuer.issuer);
    await repos.sessions.saveUse(session);
    const code = issueSecret();
    await repos.authorization.storeCode({
      hash: code.hash,
      familyId: randomId(),
      clientId: client.clientId,
      userId: session.user,
      sessionId: session.id,
      redirectUri: params.redirect_uri,
      codeChallenge: params.code_challenge || null,
      nonce: params.nonce || null,
      scope: await scopeForUser(repos, session.user, params.scope),
      issuer: issuer.issuer,
      authTime: session.authTime,
      amr: session.amr,
      dpopJkt: params.dpop_jkt ?? null,
      expiresAt: new Date(this.now() + CODE_TTL_SECONDS * 1000),
    });
    return redirectWith(params.redirect_uri, { code: code.value, state: params.state, iss: issuer.issuer });
  }
}

/** What the policy needs of the user: whether they enrolled a face (read only for a tenant that uses face). */
async function subjectOf(repos: TenantRepositories, tenant: Tenant, userId: string): Promise<SignInSubject> {
  if (!tenant.useFaceRecognition && !tenant.useLiveness) return { faceEnrolled: false };
  return { faceEnrolled: await repos.face.hasTemplate(userId) };
}

/** Thrown inside Sign In's transaction to roll it back: another Sign In consumed the nonces first. */
class LoginRaced extends Error {}

/**
 * Whether to offer a passkey after this sign-in: the tenant has passkeys, the person signed in
 * without one (their PIN/pattern), and holds none yet.
 */
async function offersPasskey(repos: TenantRepositories, tenant: Tenant, amr: readonly string[], userId: string): Promise<boolean> {
  if (!tenant.passkeyEnabled || amr.some((value) => kindOf(value) === "possession")) return false;
  return (await repos.passkeys.listOfUser(userId)).length === 0;
}

/**
 * The requested scopes less the admin scopes the user's role does not hold: a plain user asking
 * for `users:read` gets a token without it. The user is read only when admin scopes were asked for.
 * (The admin API bounds a token by the user's role again at every call, so a later demotion counts.)
 */
async function scopeForUser(repos: TenantRepositories, userId: string, requested: string): Promise<string> {
  const scopes = requested.split(" ");
  if (!scopes.some(isAdminApiScope)) return requested;
  const user = await repos.users.find(userId);
  const held = scopesOfRole(roleOf(user?.roles ?? []));
  return scopes.filter((scope) => !isAdminApiScope(scope) || held.has(scope as Scope)).join(" ");
}

/** RFC 7636 §4.6 with S256. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
