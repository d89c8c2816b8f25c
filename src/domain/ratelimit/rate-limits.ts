// The rate limits outside the login (docs/operations.md, "Rate limits"): what each one counts,
// per what subject, and what its 429 says. Authentications count only their failures — a
// legitimate caller rarely fails, so heavy legitimate traffic costs nothing and is never
// refused —; registration challenges and reset requests count every request, as each one costs
// (cryptographic work and a stored challenge, a mail).
import type { RateLimitSettings, RateWindow } from "../../config/config.js";
import { Code, DomainError } from "../../errors/domain-error.js";

export type RateLimitKind = keyof RateLimitSettings;

export interface RateLimitRule extends RateWindow {
  /** The kind as stored (`rate_limit.kind`). */
  readonly kind: string;
  /**
   * Whether the subject is the caller's address. Past its limit an address is refused outright
   * until its window ends. A client or an API key is not: only its failures are refused then, so
   * that whoever holds the real secret is never locked out by someone who merely knows its id.
   */
  readonly perAddress: boolean;
  readonly message: string;
}

const RULES: Record<RateLimitKind, Omit<RateLimitRule, keyof RateWindow>> = {
  clientFailures: {
    kind: "client_failures",
    perAddress: false,
    message: "Too many failed authentications of this client.",
  },
  keyFailures: { kind: "key_failures", perAddress: false, message: "Too many failed authentications with this API key." },
  addressFailures: {
    kind: "address_failures",
    perAddress: true,
    message: "Too many failed authentications from this address.",
  },
  registrationChallenges: {
    kind: "registration_challenges",
    perAddress: true,
    message: "Too many registration challenges from this address.",
  },
  resetRequests: { kind: "reset_requests", perAddress: true, message: "Too many reset requests from this address." },
};

/** The enabled limits of `settings`, by kind. */
export function rateLimitRules(settings: RateLimitSettings): Map<RateLimitKind, RateLimitRule> {
  const rules = new Map<RateLimitKind, RateLimitRule>();
  for (const kind of Object.keys(RULES) as RateLimitKind[]) {
    const window = settings[kind];
    if (window) rules.set(kind, { ...RULES[kind], ...window });
  }
  return rules;
}

/** One counter: a rule applied to one subject, in one tenant or (scope "") across tenants. */
export interface Bucket {
  readonly rule: RateLimitRule;
  readonly scope: string;
  readonly subject: string;
}

export const bucketKey = (scope: string, kind: string, subject: string) => `${scope}\n${kind}\n${subject}`;

export function tooManyRequests(rule: RateLimitRule, retryAfterSeconds: number): DomainError {
  return new DomainError(Code.ResourceExhausted, "RATE_LIMITED", rule.message, { retryAfterSeconds });
}
