// The vocabulary of sign-in factors, in one place: what each login step proves (its OIDC `amr`
// values, RFC 8176 where one exists), which kind of factor that is, and the assurance levels
// (`acr`) a sign-in can reach. Every step of a login — PIN/pattern (OPAQUE Authenticate), a
// passkey (Verify Auth), later a face check — stores a login nonce carrying its amr values; Sign
// In combines the nonces of one user and authorization request and the policy (sign-in-policy.ts)
// judges the union. docs/oidc.md ("amr and acr") and docs/login-protocol.md ("Factor steps").

/** NIST SP 800-63B's kinds: something you know, have, are. */
export type FactorKind = "knowledge" | "possession" | "inherence";

/** The amr values a login step can produce. */
export const AMR = {
  /** The PIN of the OPAQUE secret (RFC 8176 `pin`). */
  pin: "pin",
  /** The pattern of the OPAQUE secret (not in RFC 8176; the tenant's picture-grid pattern). */
  pattern: "pattern",
  /** A device-bound passkey: its private key cannot leave the authenticator (RFC 8176 `hwk`). */
  hwk: "hwk",
  /** A synced (backup-eligible) passkey: a software-protected key (RFC 8176 `swk`). */
  swk: "swk",
  /** The authenticator verified the user (WebAuthn UV flag; RFC 8176 `user`). Not a factor of its own. */
  user: "user",
  /** Face recognition (RFC 8176 `face`): a liveness clip that matched the user's enrolled template. */
  face: "face",
  /**
   * A liveness check without a template to match (not in RFC 8176): a live person was at the
   * camera, not whose face it is. A qualifier, not a factor of its own: it never makes `mfa`.
   */
  liveness: "liveness",
  /** Added by Sign In when factors of two kinds were used (RFC 8176 `mfa`). */
  mfa: "mfa",
} as const;

export type AmrValue = (typeof AMR)[keyof typeof AMR];

const KIND_OF: Readonly<Record<string, FactorKind>> = {
  [AMR.pin]: "knowledge",
  [AMR.pattern]: "knowledge",
  [AMR.hwk]: "possession",
  [AMR.swk]: "possession",
  [AMR.face]: "inherence",
};

/** The kind of factor an amr value proves, or undefined for a qualifier (`user`, `mfa`) or an unknown value. */
export function kindOf(amr: string): FactorKind | undefined {
  return KIND_OF[amr];
}

/**
 * The steps of a login, as the hosted login page names them (its `step=` parameter):
 * `knowledge` is the tenant's PIN and/or pattern (one OPAQUE login, both factors of `login_order`
 * at once), `passkey` a WebAuthn assertion, `face` a liveness clip matched against the user's
 * enrolled face (src/domain/face/face-step.ts).
 */
export type FactorStep = "knowledge" | "passkey" | "face";

export const FACTOR_STEPS: readonly FactorStep[] = ["knowledge", "passkey", "face"];

export function isFactorStep(value: string): value is FactorStep {
  return (FACTOR_STEPS as readonly string[]).includes(value);
}

/** The knowledge amr values of a tenant's `login_order` (`["PIN", "PATTERN"]` → `["pin", "pattern"]`). */
export function knowledgeAmrOf(loginOrder: readonly string[]): string[] {
  return loginOrder.map((factor) => (factor === "PIN" ? AMR.pin : AMR.pattern));
}

/**
 * The assurance levels, as `acr` values (OpenID Connect Core §2): one factor, or factors of two
 * kinds. Advertised in discovery (`acr_values_supported`); a relying party asks for one with
 * `acr_values`.
 */
export const ACR = {
  oneFactor: "urn:svault:acr:1fa",
  twoFactor: "urn:svault:acr:2fa",
} as const;

export type Acr = (typeof ACR)[keyof typeof ACR];

/** Weakest first: the order in which levels compare. */
export const ACR_VALUES_SUPPORTED: readonly Acr[] = [ACR.oneFactor, ACR.twoFactor];

/** The level the amr values of a finished sign-in reached: `mfa` is what says two kinds were used. */
export function acrOf(amr: readonly string[]): Acr {
  return amr.includes(AMR.mfa) ? ACR.twoFactor : ACR.oneFactor;
}

/** The order amr values are listed in: knowledge, possession, its qualifier, inherence, then `mfa`. */
const AMR_ORDER: readonly string[] = [AMR.pin, AMR.pattern, AMR.hwk, AMR.swk, AMR.user, AMR.face, AMR.liveness, AMR.mfa];

/**
 * The amr of a sign-in from the amr values of its steps: their union in a stable order, with
 * `mfa` when factors of two kinds were used (and never copied from a step: only this decides it).
 */
export function combinedAmr(steps: readonly (readonly string[])[]): string[] {
  const values = new Set(steps.flat().filter((value) => value !== AMR.mfa));
  const kinds = new Set([...values].map(kindOf).filter((kind) => kind !== undefined));
  if (kinds.size >= 2) values.add(AMR.mfa);
  const rank = (value: string) => {
    const index = AMR_ORDER.indexOf(value);
    return index === -1 ? AMR_ORDER.length : index;
  };
  return [...values].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
