// Entra's MFA requests from arrival to answer (docs/entra-mfa.md). #33 checks the request and
// stores it as a flow bound to the browser; #34 shows the factor's challenge and takes its answer
// once; the answer goes back to Entra by form_post: an ID token saying which factor was proved,
// or `access_denied`. Every attempt is audited (`mfa` events) and every answer counts in the
// login throttle. What this returns says what the browser gets; the API layer renders it.
import type { EntityManager } from "@mikro-orm/postgresql";
import { SignJWT } from "jose";
import { chooseLocale, type Locale } from "../../i18n/locales.js";
import { randomToken } from "../../crypto/random-token.js";
import { hashSecret, secretMatches } from "../../crypto/secret-hash.js";
import type { MfaFlowRecord } from "../../persistence/repositories/entra-mfa-repository.js";
import type { MfaThrottleRepository } from "../../persistence/repositories/mfa-throttle-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { normalizeEmail, normalizeUsername } from "../../sdk/identity-normalization.js";
import type { AuthEventRecorder } from "../login/auth-events.js";
import type { TenantKeyStore } from "../tenants/tenant-key-store.js";
import { tenantIdViolations } from "../tenants/tenant-id.js";
import { possessionOrInherenceSteps, STEP_KIND } from "../login/factor-offer.js";
import { type FactorStep, isFactorStep } from "../login/factors.js";
import type { FactorSettings } from "../login/sign-in-policy.js";
import {
  acrFor,
  checkProtocolFields,
  EamRequestError,
  type RequestedClaims,
  reportedAmr,
  requestedClaims,
  stepAnswers,
  unanswerable,
} from "./eam-request.js";
import type { EntraDirectory } from "./entra-directory.js";
import { CLOCK_SKEW_SECONDS, verifyIdTokenHint } from "./id-token-hint.js";
import type { FactorSubject, MfaFactorVerifier } from "./mfa-factor.js";
import { countMfaGuess, forgetMfaGuess } from "./mfa-throttle.js";

/** Entra gives up on an attempt after about five minutes. */
export const MFA_FLOW_TTL_SECONDS = 300;
const ID_TOKEN_TTL_SECONDS = 300;
export const MFA_COOKIE = "svault_mfa";

export interface AuthorizeMfaInput {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseType: string;
  readonly scope: string;
  readonly responseMode: string;
  readonly state: string;
  readonly nonce: string;
  readonly idTokenHint: string;
  readonly claims: string;
  /** The languages the request prefers (OIDC `ui_locales`; Entra does not document one, the browser's Accept-Language follows). */
  readonly uiLocales: string;
}

/** The request's database work and who sent it. */
export interface MfaRequestScope {
  readonly repositories: (tenantId: string) => TenantRepositories;
  /** For the tenant's signing keys. */
  readonly em: EntityManager;
  readonly ip: string;
  readonly userAgent: string;
  readonly acceptLanguage: string | undefined;
}

/** What the browser gets. */
export type MfaAnswer =
  | {
      readonly kind: "redirect";
      readonly location: string;
      readonly cookie: { name: string; value: string; path: string; maxAgeSeconds: number };
    }
  | { readonly kind: "form_post"; readonly redirectUri: string; readonly fields: Readonly<Record<string, string>> }
  | { readonly kind: "factor"; readonly step: FactorStep; readonly flowId: string; readonly browserOptions: Record<string, unknown> }
  /** An error page: what went wrong, for the page to say in the person's language. */
  | { readonly kind: "page"; readonly status: number; readonly problem: MfaProblem; readonly locale?: Locale };

/**
 * The error pages: `tenant` (no Entra settings), `redirect_uri` (not Microsoft's), `client` (not
 * the tenant's Entra app), `unknown` (no such flow), `answered`, `other_browser`, `expired`.
 */
export type MfaProblem = "tenant" | "redirect_uri" | "client" | "unknown" | "answered" | "other_browser" | "expired";

export interface MfaFlowsDeps {
  readonly publicUrl: string;
  readonly directory: EntraDirectory;
  readonly keys: TenantKeyStore;
  readonly events: AuthEventRecorder;
  /** The login throttle's counters of a tenant. */
  readonly throttleOf: (tenantId: string) => MfaThrottleRepository;
  /** The verifiers of the engine's steps the form can run, on the request's repositories (one per step). */
  readonly factorsOf: (repositories: TenantRepositories) => readonly MfaFactorVerifier[];
  readonly clock: () => number;
}

const page = (status: number, problem: MfaProblem, locale?: Locale): MfaAnswer => ({
  kind: "page",
  status,
  problem,
  ...(locale ? { locale } : {}),
});
const denied = (flow: { redirectUri: string; state: string }, description: string): MfaAnswer => ({
  kind: "form_post",
  redirectUri: flow.redirectUri,
  fields: { error: "access_denied", error_description: description, state: flow.state },
});

/** The MFA issuer of a tenant: `iss` of its ID tokens, character for character. */
export function mfaIssuerOf(publicUrl: string, tenantId: string): string {
  return `${publicUrl}/${tenantId}/mfa`;
}

const isTenantId = (id: string) => tenantIdViolations(id).length === 0;

/** A flow id names its tenant (the form's path has no other place for it): `<tenant>.<random>`. */
function tenantOfFlow(flowId: string): string | undefined {
  const dot = flowId.indexOf(".");
  const tenantId = dot > 0 ? flowId.slice(0, dot) : "";
  return isTenantId(tenantId) ? tenantId : undefined;
}

/** The first of `factors` the user has enrolled. */
async function firstEnrolled(factors: readonly MfaFactorVerifier[], subject: FactorSubject): Promise<MfaFactorVerifier | undefined> {
  for (const factor of factors) if (await factor.enrolled(subject)) return factor;
  return undefined;
}

/**
 * The flow keeps the challenge the form was shown with, with the step it belongs to, so that the
 * answer goes to the verifier that issued it: `<step> <challenge>`.
 */
function encodeChallenge(step: FactorStep, challenge: string): string {
  return `${step} ${challenge}`;
}

function decodeChallenge(stored: string): { step: FactorStep; challenge: string } | undefined {
  const space = stored.indexOf(" ");
  const step = stored.slice(0, space);
  return space > 0 && isFactorStep(step) ? { step, challenge: stored.slice(space + 1) } : undefined;
}

export class MfaFlows {
  constructor(private readonly deps: MfaFlowsDeps) {}

  issuerOf(tenantId: string): string {
    return mfaIssuerOf(this.deps.publicUrl, tenantId);
  }

  /** #33: checks Entra's request and starts a flow. */
  async authorize(scope: MfaRequestScope, input: AuthorizeMfaInput): Promise<MfaAnswer> {
    const repositories = scope.repositories(input.tenantId);
    const stored = isTenantId(input.tenantId) ? await repositories.entraMfa.requestSettings() : undefined;
    // No audit without settings: the tenant may not exist, and an event of an unknown tenant
    // would fail the audit trail's whole batch (its tenant is a foreign key).
    if (!stored) return page(404, "tenant");
    // The pages' language from here on; the form's address carries it (the hosted pages' rule: docs/hosted-ui.md).
    const locale = chooseLocale({
      uiLocales: input.uiLocales,
      acceptLanguage: scope.acceptLanguage,
      tenantDefault: stored.factors.defaultLocale,
    });
    const audit = (
      outcome: "success" | "failure",
      reason: string,
      extra: { userId?: string; username?: string; tid?: string; oid?: string } = {},
    ) =>
      this.deps.events.record({
        tenantId: input.tenantId,
        kind: "mfa",
        outcome,
        reason,
        ...(extra.userId ? { userId: extra.userId } : {}),
        ...(extra.username ? { username: extra.username } : {}),
        ip: scope.ip,
        userAgent: scope.userAgent,
        clientId: input.clientId.slice(0, 128),
        logData: { step: "authorize", ...(extra.tid ? { tid: extra.tid, oid: extra.oid } : {}) },
      });
    try {
      checkProtocolFields(input);
      // Only a request for this tenant's own Entra app is answered at Entra's address.
      const settings = stored.entra;
      if (!settings.enabled || !settings.clientId || settings.clientId !== input.clientId) {
        throw new EamRequestError("UNKNOWN_CLIENT", "This tenant does not accept Entra requests of that client_id", false);
      }
      if (!input.nonce) throw new EamRequestError("NONCE_MISSING", "nonce is required", true, "invalid_request");
      const requested = requestedClaims(input.claims);
      const offered = this.offeredFactors(repositories, stored.factors, requested);
      if (offered.length === 0) throw unanswerable(possessionOrInherenceSteps(stored.factors), requested);
      const hint = await verifyIdTokenHint(
        this.deps.directory,
        {
          discoveryUrl: settings.discoveryUrl,
          clientId: settings.clientId,
          allowedTenantIds: settings.allowedTenantIds,
          maxAgeSeconds: settings.maxHintAgeSeconds,
        },
        input.idTokenHint,
        this.deps.clock(),
      );
      const names = [hint.preferredUsername, hint.upn].filter((name): name is string => !!name);
      const match =
        settings.userMatch === "link"
          ? undefined
          : {
              field: settings.userMatch,
              candidates: names.map((name) => (settings.userMatch === "email" ? normalizeEmail(name) : normalizeUsername(name))),
            };
      const user = await repositories.entraMfa.findAccountUser(hint.tid, hint.oid, match);
      const who = { tid: hint.tid, oid: hint.oid, ...(user ? { userId: user.userId, username: user.usernameNormalized } : {}) };
      if (!user || user.disabled) {
        audit("failure", user ? "USER_DISABLED" : "UNKNOWN_USER", who);
        return denied(input, "The account is not known to this service");
      }
      const factor = await firstEnrolled(offered, { tenantId: input.tenantId, userId: user.userId });
      if (!factor) {
        audit("failure", "NO_FACTOR", who);
        return denied(input, "The account has no factor to confirm the sign-in with");
      }
      const acr = acrFor(STEP_KIND[factor.step], requested) as string;
      // One hint starts one flow: Entra sends a fresh hint with every request, so a second arrival
      // is a replay (someone else's browser, or a resubmitted page). Claimed only now, so that a
      // refused request changes nothing; remembered for as long as the hint passes the age check.
      const until = new Date((hint.issuedAt + settings.maxHintAgeSeconds + CLOCK_SKEW_SECONDS) * 1000);
      if (!(await repositories.usedJtis.claim(hashSecret(`entra-hint:${input.idTokenHint}`), until, new Date(this.deps.clock())))) {
        throw new EamRequestError("HINT_REPLAYED", "This id_token_hint has started a flow before", true);
      }
      const browserSecret = randomToken(32);
      const flowId = `${input.tenantId}.${randomToken(24)}`;
      await repositories.entraMfa.insertFlow({
        id: flowId,
        browserHash: hashSecret(browserSecret),
        userId: user.userId,
        entraTenantId: hint.tid,
        objectId: hint.oid,
        subject: hint.sub,
        clientId: input.clientId,
        redirectUri: input.redirectUri,
        state: input.state,
        nonce: input.nonce,
        acr,
        amrAllowed: [...requested.amrValues],
        expiresAt: new Date(this.deps.clock() + MFA_FLOW_TTL_SECONDS * 1000),
      });
      audit("success", "FLOW_STARTED", who);
      const path = `/mfa/form/${flowId}`;
      return {
        kind: "redirect",
        location: `${this.deps.publicUrl}${path}?ui_locales=${locale}`,
        cookie: { name: MFA_COOKIE, value: browserSecret, path, maxAgeSeconds: MFA_FLOW_TTL_SECONDS },
      };
    } catch (error) {
      if (!(error instanceof EamRequestError)) throw error;
      audit("failure", error.reason);
      if (!error.returnable) return page(400, error.reason === "UNKNOWN_CLIENT" ? "client" : "redirect_uri", locale);
      return {
        kind: "form_post",
        redirectUri: input.redirectUri,
        fields: { error: error.error, error_description: error.message, state: input.state },
      };
    }
  }

  /** #34: the factor's challenge for the flow, in the browser that brought it. */
  async showForm(scope: MfaRequestScope, flowId: string, browserSecret: string | undefined): Promise<MfaAnswer> {
    const found = await this.liveFlow(scope, flowId, browserSecret);
    if (found.kind !== "flow") return found.answer;
    const { flow, repositories, tenantId } = found;
    // Asked again: the tenant may have turned a factor off, the user may have removed one.
    const stored = await repositories.entraMfa.requestSettings();
    const offered = stored ? this.offeredFactors(repositories, stored.factors, { acrValues: [flow.acr], amrValues: flow.amrAllowed }) : [];
    const subject = { tenantId, userId: flow.userId };
    for (const factor of offered) {
      const options = await factor.options(subject);
      if (!options) continue;
      await repositories.entraMfa.setChallenge(flow.id, encodeChallenge(factor.step, options.challenge));
      return { kind: "factor", step: factor.step, flowId: flow.id, browserOptions: options.browserOptions };
    }
    await repositories.entraMfa.takeFlow(flow.id);
    this.audit(scope, tenantId, flow, "failure", "NO_FACTOR");
    return denied(flow, "The account has no factor to confirm the sign-in with");
  }

  /** The form's answer: ends the flow, with the ID token or `access_denied`. */
  async complete(
    scope: MfaRequestScope,
    flowId: string,
    browserSecret: string | undefined,
    answer: { credential: string; error: string },
  ): Promise<MfaAnswer> {
    const found = await this.liveFlow(scope, flowId, browserSecret);
    if (found.kind !== "flow") return found.answer;
    const { repositories, tenantId } = found;
    const flow = await repositories.entraMfa.takeFlow(found.flow.id);
    if (!flow) return page(409, "answered");
    const fail = (reason: string, description: string) => {
      this.audit(scope, tenantId, flow, "failure", reason);
      return denied(flow, description);
    };
    if (answer.error || !answer.credential) return fail("CANCELLED", "The user did not confirm the sign-in");
    const shown = flow.challenge === null ? undefined : decodeChallenge(flow.challenge);
    const factor = shown && this.deps.factorsOf(repositories).find((candidate) => candidate.step === shown.step);
    if (!shown || !factor) return fail("NO_CHALLENGE", "The form was not shown for this request");
    const user = await repositories.users.find(flow.userId);
    if (!user || user.isDisabled) return fail("UNKNOWN_USER", "The account is not known to this service");
    const guess = { username: normalizeUsername(user.username), ip: scope.ip };
    const throttle = this.deps.throttleOf(tenantId);
    if (await countMfaGuess(throttle, guess)) return fail("THROTTLED", "Too many failed attempts; try again later");
    let credential: unknown;
    try {
      credential = JSON.parse(answer.credential);
    } catch {
      return fail("MALFORMED_ANSWER", "The factor's answer is malformed");
    }
    const proof = await factor.verify({ tenantId, userId: flow.userId }, shown.challenge, credential);
    if (!proof) return fail("FACTOR_FAILED", "The factor did not confirm the sign-in");
    await forgetMfaGuess(throttle, guess);
    // The most specific value Entra accepts for what was proved (fido for a passkey, else hwk/swk by its kind).
    const amr = reportedAmr(factor.step, proof.amr, flow.amrAllowed);
    if (!amr) return fail("AMR_NOT_SATISFIABLE", "The factor used is not one of the requested amr values");
    await repositories.entraMfa.linkIfAbsent(flow.entraTenantId, flow.objectId, flow.userId);
    this.audit(scope, tenantId, flow, "success", "FACTOR_PASSED", { step: factor.step, amr });
    return {
      kind: "form_post",
      redirectUri: flow.redirectUri,
      fields: { id_token: await this.idToken(tenantId, flow, amr), state: flow.state },
    };
  }

  /**
   * The verifiers of the steps the engine offers for the tenant (possession or inherence, enabled
   * and performable) that can answer the request, in the engine's order.
   */
  private offeredFactors(repositories: TenantRepositories, factors: FactorSettings, requested: RequestedClaims): MfaFactorVerifier[] {
    const verifiers = this.deps.factorsOf(repositories);
    return possessionOrInherenceSteps(factors)
      .filter((step) => stepAnswers(step, requested))
      .flatMap((step) => verifiers.filter((verifier) => verifier.step === step));
  }

  /** The answer for Entra: RS256 by the tenant's current RSA key (published in #32 ahead of use). */
  private async idToken(tenantId: string, flow: MfaFlowRecord, amr: string): Promise<string> {
    const key = await this.deps.keys.currentKey(tenantId, "RS256");
    const now = Math.floor(this.deps.clock() / 1000);
    return new SignJWT({ nonce: flow.nonce, acr: flow.acr, amr: [amr] })
      .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
      .setIssuer(this.issuerOf(tenantId))
      .setAudience(flow.clientId)
      .setSubject(flow.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + ID_TOKEN_TTL_SECONDS)
      .sign(key.privateKey);
  }

  /** The flow of the form, when it exists, is this browser's and has not expired. */
  private async liveFlow(
    scope: MfaRequestScope,
    flowId: string,
    browserSecret: string | undefined,
  ): Promise<
    { kind: "flow"; flow: MfaFlowRecord; repositories: TenantRepositories; tenantId: string } | { kind: "answer"; answer: MfaAnswer }
  > {
    const tenantId = tenantOfFlow(flowId);
    const repositories = tenantId ? scope.repositories(tenantId) : undefined;
    const flow = repositories && (await repositories.entraMfa.flow(flowId));
    if (!tenantId || !repositories || !flow) {
      return {
        kind: "answer",
        answer: page(404, "unknown"),
      };
    }
    if (!browserSecret || !secretMatches(browserSecret, flow.browserHash)) {
      this.audit(scope, tenantId, flow, "failure", "OTHER_BROWSER");
      return {
        kind: "answer",
        answer: page(403, "other_browser"),
      };
    }
    if (flow.expiresAt.getTime() <= this.deps.clock()) {
      await repositories.entraMfa.takeFlow(flow.id);
      this.audit(scope, tenantId, flow, "failure", "EXPIRED");
      return {
        kind: "answer",
        answer: page(410, "expired"),
      };
    }
    return { kind: "flow", flow, repositories, tenantId };
  }

  private audit(
    scope: MfaRequestScope,
    tenantId: string,
    flow: MfaFlowRecord,
    outcome: "success" | "failure",
    reason: string,
    factor: { step: FactorStep; amr: string } | undefined = undefined,
  ): void {
    this.deps.events.record({
      tenantId,
      kind: "mfa",
      outcome,
      reason,
      userId: flow.userId,
      ip: scope.ip,
      userAgent: scope.userAgent,
      clientId: flow.clientId,
      logData: { step: "form", tid: flow.entraTenantId, oid: flow.objectId, ...(factor ? { factor: factor.step, amr: factor.amr } : {}) },
    });
  }
}
