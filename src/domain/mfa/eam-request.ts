// The parts of Entra's authorization request that need no lookup (docs/entra-mfa.md): the fixed
// protocol values, the reply address, and the `claims` parameter, from which the answer's `acr`
// and `amr` are chosen for the engine's steps (src/domain/login/factor-offer.ts). Pure functions.
import { STEP_KIND } from "../login/factor-offer.js";
import type { FactorKind, FactorStep } from "../login/factors.js";

/** Microsoft's published reply addresses of external authentication methods (public, US government, China). */
export const ENTRA_REDIRECT_URIS: readonly string[] = [
  "https://login.microsoftonline.com/common/federation/externalauthprovider",
  "https://login.microsoftonline.us/common/federation/externalauthprovider",
  "https://login.partner.microsoftonline.cn/common/federation/externalauthprovider",
];

/** The `amr` values Entra counts as possession, and as inherence. There is no knowledge `amr`. */
export const POSSESSION_AMR = ["fido", "hwk", "otp", "pop", "sc", "sms", "swk", "tel"] as const;
export const INHERENCE_AMR = ["face", "fpt", "iris", "retina", "vbm"] as const;
const ENTRA_AMR: readonly string[] = [...POSSESSION_AMR, ...INHERENCE_AMR];

/**
 * The Entra `amr` values each engine step may be reported as, most specific first: a passkey is
 * `fido` ("FIDO2 was used"), else `hwk` (device-bound) or `swk` (synced) by its backup
 * eligibility; a face check is `face`. The step's own name leads; the rest are the engine's amr
 * values of a proof (src/domain/login/factors.ts) that Entra also knows.
 */
const METHOD_AMR: Readonly<Record<FactorStep, readonly string[]>> = { knowledge: [], passkey: ["fido"], face: [] };
const POSSIBLE_AMR: Readonly<Record<FactorStep, readonly string[]>> = { knowledge: [], passkey: ["fido", "hwk", "swk"], face: ["face"] };

/** The `acr` values Entra defines, and which factor kinds satisfy each (knowledge never: see mfa-factor.ts). */
const ACR_SATISFIED_BY: Readonly<Record<string, readonly FactorKind[]>> = {
  possessionorinherence: ["possession", "inherence"],
  knowledgeorpossession: ["possession"],
  knowledgeorinherence: ["inherence"],
  knowledgeorpossessionorinherence: ["possession", "inherence"],
  possession: ["possession"],
  inherence: ["inherence"],
  knowledge: [],
};

/** A refusal of the request; `returnable`: Entra may be told (form_post of `error`), else an error page. */
export class EamRequestError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly returnable: boolean,
    readonly error: "access_denied" | "temporarily_unavailable" | "invalid_request" = "access_denied",
  ) {
    super(message);
  }
}

export interface EamProtocolFields {
  readonly responseType: string;
  readonly responseMode: string;
  readonly scope: string;
  readonly redirectUri: string;
}

/** The request's fixed values (reference defaults when absent) and its reply address. */
export function checkProtocolFields(fields: EamProtocolFields): void {
  if (!ENTRA_REDIRECT_URIS.includes(fields.redirectUri)) {
    throw new EamRequestError("REDIRECT_URI_NOT_ENTRA", "redirect_uri is not one of Microsoft's external authentication addresses", false);
  }
  if ((fields.responseType || "id_token") !== "id_token") {
    throw new EamRequestError("UNSUPPORTED_RESPONSE_TYPE", "response_type must be id_token", true, "invalid_request");
  }
  if ((fields.responseMode || "form_post") !== "form_post") {
    throw new EamRequestError("UNSUPPORTED_RESPONSE_MODE", "response_mode must be form_post", true, "invalid_request");
  }
  if (!(fields.scope || "openid").split(" ").includes("openid")) {
    throw new EamRequestError("SCOPE_WITHOUT_OPENID", "scope must include openid", true, "invalid_request");
  }
}

/** What Entra's `claims` parameter asks of the answer. */
export interface RequestedClaims {
  /** The acceptable `acr` values, in Entra's order (default `possessionorinherence`). */
  readonly acrValues: readonly string[];
  /** The acceptable `amr` values (default: every value Entra knows). */
  readonly amrValues: readonly string[];
}

function requestedValues(member: unknown): string[] | undefined {
  if (member === undefined || member === null) return undefined;
  const { values, value } = member as { values?: unknown; value?: unknown };
  if (Array.isArray(values)) return values.filter((v): v is string => typeof v === "string");
  if (typeof value === "string") return [value];
  return undefined;
}

/** The `acr` and `amr` values the `claims` parameter (OpenID Connect Core §5.5) accepts. */
export function requestedClaims(claimsParameter: string): RequestedClaims {
  let idToken: Record<string, unknown> = {};
  if (claimsParameter) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claimsParameter);
    } catch {
      throw new EamRequestError("CLAIMS_NOT_JSON", "claims is not JSON", true, "invalid_request");
    }
    const member = (parsed as { id_token?: unknown } | null)?.id_token;
    if (member !== undefined && (typeof member !== "object" || member === null)) {
      throw new EamRequestError("CLAIMS_NOT_JSON", "claims.id_token must be an object", true, "invalid_request");
    }
    idToken = (member as Record<string, unknown> | undefined) ?? {};
  }
  return {
    acrValues: requestedValues(idToken.acr) ?? ["possessionorinherence"],
    amrValues: requestedValues(idToken.amr) ?? ENTRA_AMR,
  };
}

/** The first requested `acr` value a factor of `kind` satisfies, or undefined. */
export function acrFor(kind: FactorKind, requested: Pick<RequestedClaims, "acrValues">): string | undefined {
  return requested.acrValues.find((value) => ACR_SATISFIED_BY[value]?.includes(kind));
}

/** Whether a success of `step` can answer the request: its kind satisfies a requested `acr` and one of its `amr` values is accepted. */
export function stepAnswers(step: FactorStep, requested: RequestedClaims): boolean {
  return acrFor(STEP_KIND[step], requested) !== undefined && POSSIBLE_AMR[step].some((value) => requested.amrValues.includes(value));
}

/**
 * The one `amr` value an answer reports for what `step` proved (`proof`: the engine's amr values),
 * the most specific the request accepts; undefined when it accepts none of them.
 */
export function reportedAmr(step: FactorStep, proof: readonly string[], accepted: readonly string[]): string | undefined {
  const describing = [...METHOD_AMR[step], ...proof.filter((value) => POSSIBLE_AMR[step].includes(value))];
  return describing.find((value) => accepted.includes(value));
}

/** Why none of the steps the tenant offers (`steps`) can answer the request (returnable). */
export function unanswerable(steps: readonly FactorStep[], requested: RequestedClaims): EamRequestError {
  if (steps.length === 0) return new EamRequestError("NO_FACTOR_OFFERED", "This tenant offers no possession or inherence factor", true);
  if (!steps.some((step) => acrFor(STEP_KIND[step], requested) !== undefined)) {
    return new EamRequestError("ACR_NOT_SATISFIABLE", "None of the requested acr values is satisfied by a factor this tenant offers", true);
  }
  return new EamRequestError("AMR_NOT_SATISFIABLE", "None of the requested amr values names a factor this tenant offers", true);
}
