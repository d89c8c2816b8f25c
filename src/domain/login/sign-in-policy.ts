// Sign-in as a policy of factors: from the tenant's settings and what the relying party asked for,
// which factors a sign-in needs; from the factors that passed, whether it is complete, and if not
// which step comes next. Pure — no database, no clock of its own (the caller passes `now`) — so
// that Authorize (reusing a session), Sign In (combining login nonces) and the hosted page (which
// steps to offer) all decide the same way. docs/login-protocol.md, "Factor steps".
//
//   level 1fa  one step: the tenant's PIN/pattern, or — when passkeys are enabled — a passkey
//              whose authenticator verified the user (passwordless)
//   level 2fa  the PIN/pattern (knowledge) and a passkey (possession; user verification not
//              needed, the knowledge factor is already there)
//   face       when the tenant enables face recognition or liveness, a face step is required on
//              top of the above (never instead of it: face is never the only factor), for a user
//              who enrolled a face (amr `face`, matched against the template); for one who did
//              not, `use_liveness` still asks for a liveness check (amr `liveness`, not a factor)
//              and `use_face_recognition` alone asks nothing until they enrol after a sign-in
//   2fa + face an enrolled face also meets the second-factor requirement instead of a passkey
//   no second  a 2fa level on a tenant that offers no second factor (neither `passkey_enabled`
//   factor     nor face) cannot be reached — nobody can register or use a passkey there — so
//              it is refused as unavailable at once rather than leaving the person at a step no
//              page can complete. The tenant settings refuse `is_2fa` without one; this covers
//              a relying party's `acr_values` step-up, and tenants stored before that rule.
//
// The level is the tenant's (`is_2fa`) or, when higher, the one the relying party asked for with
// `acr_values` (a step-up request).
import { ACR, ACR_VALUES_SUPPORTED, type Acr, AMR, combinedAmr, type FactorStep, knowledgeAmrOf, acrOf, kindOf } from "./factors.js";

/**
 * The tenant settings that decide a sign-in. `login_order` names the knowledge factors (the tenant
 * settings keep it equal to what `use_pin`/`use_pattern` enable, and Authenticate proves exactly it).
 */
export interface FactorSettings {
  readonly loginOrder: readonly string[];
  readonly is2fa: boolean;
  readonly passkeyEnabled: boolean;
  readonly useFaceRecognition: boolean;
  readonly useLiveness: boolean;
}

/** What the authorization request asks of the authentication (OpenID Connect Core §3.1.2.1). */
export interface AuthenticationRequest {
  /** `acr_values`, in the relying party's order of preference. */
  readonly acrValues: readonly string[];
  /** `max_age` in seconds, or null. */
  readonly maxAge: number | null;
  /** `prompt=login` (or `select_account`): a new login, whatever the session. */
  readonly forceLogin: boolean;
}

/** An earlier sign-in (a browser session): when, and with which amr. */
export interface PriorAuthentication {
  /** Epoch milliseconds. */
  readonly authTime: number;
  readonly amr: readonly string[];
}

export type SignInDecision =
  | { readonly outcome: "satisfied"; readonly amr: string[]; readonly acr: Acr }
  /** More is needed: `next` are the steps any of which moves the sign-in on, the usual one first. */
  | { readonly outcome: "incomplete"; readonly next: readonly FactorStep[]; readonly level: Acr }
  /** The policy needs a step this server cannot perform: the sign-in cannot complete (no step is unavailable today). */
  | { readonly outcome: "unavailable"; readonly step: FactorStep; readonly reason: string };

/** One requirement: met by the amr values, or by one of its steps. */
interface Slot {
  readonly steps: readonly FactorStep[];
  readonly met: (amr: ReadonlySet<string>) => boolean;
}

const rank = (acr: Acr) => ACR_VALUES_SUPPORTED.indexOf(acr);

/**
 * The level the relying party asked for: the weakest of the known values it listed (any of them
 * is acceptable to it), or undefined when it listed none we know (acr_values are voluntary:
 * unknown ones are ignored, OpenID Connect Core §5.5.1.1).
 */
export function requestedLevel(acrValues: readonly string[]): Acr | undefined {
  const known = ACR_VALUES_SUPPORTED.filter((acr) => acrValues.includes(acr));
  return known[0];
}

/** The level a sign-in must reach: the tenant's, raised by the request's. */
export function requiredLevel(settings: FactorSettings, request: AuthenticationRequest): Acr {
  const tenant = settings.is2fa ? ACR.twoFactor : ACR.oneFactor;
  const requested = requestedLevel(request.acrValues);
  return requested !== undefined && rank(requested) > rank(tenant) ? requested : tenant;
}

/**
 * What the policy must know of the user signing in. Unknown (no user yet): judged as enrolled, so
 * that a face tenant's sign-in is never judged complete without its face step by mistake.
 */
export interface SignInSubject {
  /** Whether the user has an enrolled face template. */
  readonly faceEnrolled: boolean;
}

export const UNKNOWN_SUBJECT: SignInSubject = { faceEnrolled: true };

/** The face requirement on top of the other factors, or undefined. */
function faceSlot(settings: FactorSettings, subject: SignInSubject): Slot | undefined {
  if (subject.faceEnrolled && (settings.useFaceRecognition || settings.useLiveness)) {
    return { steps: ["face"], met: (amr) => amr.has(AMR.face) };
  }
  if (settings.useLiveness) return { steps: ["face"], met: (amr) => amr.has(AMR.face) || amr.has(AMR.liveness) };
  return undefined;
}

function slotsOf(settings: FactorSettings, level: Acr, subject: SignInSubject): Slot[] {
  const face = faceSlot(settings, subject);
  return face ? [...factorSlotsOf(settings, level, subject), face] : factorSlotsOf(settings, level, subject);
}

function factorSlotsOf(settings: FactorSettings, level: Acr, subject: SignInSubject): Slot[] {
  const knowledge = knowledgeAmrOf(settings.loginOrder);
  const knowledgeStep: Slot = {
    steps: ["knowledge"],
    // All of the tenant's PIN/pattern factors (one OPAQUE login proves them together).
    met: (amr) => (knowledge.length > 0 ? knowledge.every((value) => amr.has(value)) : [...amr].some((v) => kindOf(v) === "knowledge")),
  };
  const hasPasskey = (amr: ReadonlySet<string>) => [...amr].some((value) => kindOf(value) === "possession");
  if (level === ACR.twoFactor) {
    // An enrolled face (inherence) is a second factor as good as a passkey here.
    // The second slot offers only the steps this tenant enables and this user can take: a tenant
    // with face but no passkeys leaves a user who has not enrolled a face without one (see below).
    const faceCounts = subject.faceEnrolled && (settings.useFaceRecognition || settings.useLiveness);
    const steps: FactorStep[] = [];
    if (settings.passkeyEnabled) steps.push("passkey");
    if (faceCounts) steps.push("face");
    return [knowledgeStep, { steps, met: (amr) => hasPasskey(amr) || (faceCounts && amr.has(AMR.face)) }];
  }
  if (!settings.passkeyEnabled) return [knowledgeStep];
  // Passwordless: a passkey alone, but only one whose authenticator verified the user.
  return [{ steps: ["knowledge", "passkey"], met: (amr) => knowledgeStep.met(amr) || (hasPasskey(amr) && amr.has(AMR.user)) }];
}

/** Whether the tenant offers a factor that can follow the PIN/pattern (tenant-settings.ts requires one for `is_2fa`). */
export function offersSecondFactor(settings: Pick<FactorSettings, "passkeyEnabled" | "useFaceRecognition">): boolean {
  return settings.passkeyEnabled || settings.useFaceRecognition;
}

/** Whether the factors that passed (the union of the login nonces' amr) complete the sign-in. */
export function decideSignIn(
  settings: FactorSettings,
  request: AuthenticationRequest,
  passed: readonly string[],
  subject: SignInSubject = UNKNOWN_SUBJECT,
): SignInDecision {
  const level = requiredLevel(settings, request);
  if (level === ACR.twoFactor && !offersSecondFactor(settings)) {
    return {
      outcome: "unavailable",
      step: "passkey",
      reason: "Two factors are required, but this tenant enables no second factor (passkey_enabled or face recognition)",
    };
  }
  const amr = new Set(passed);
  const missing = slotsOf(settings, level, subject).find((slot) => !slot.met(amr));
  if (missing?.steps.length === 0) {
    // Face is this tenant's only second factor and the user has no face enrolled: no page could
    // complete the sign-in, and enrolling a face with the first factor alone would let whoever
    // knows the PIN choose the second factor. Refused plainly; an admin enables passkeys or the
    // user enrols a face on a tenant where they can sign in.
    return {
      outcome: "unavailable",
      step: "face",
      reason: "Two factors are required, and this account has no second factor this tenant accepts",
    };
  }
  if (missing) return { outcome: "incomplete", next: missing.steps, level };
  const combined = combinedAmr([passed]);
  return { outcome: "satisfied", amr: combined, acr: acrOf(combined) };
}

/**
 * Whether an existing session answers the request without a new login: not when the request
 * forces one (`prompt=login`), not when it is older than `max_age`, and not when its factors do
 * not satisfy the policy now (a 1fa session does not answer a 2fa request or a tenant that turned
 * 2FA on since).
 */
export function sessionSatisfies(
  settings: FactorSettings,
  request: AuthenticationRequest,
  session: PriorAuthentication,
  now: number,
  subject: SignInSubject = UNKNOWN_SUBJECT,
): boolean {
  if (request.forceLogin) return false;
  if (request.maxAge !== null && now - session.authTime > request.maxAge * 1000) return false;
  return decideSignIn(settings, request, session.amr, subject).outcome === "satisfied";
}
