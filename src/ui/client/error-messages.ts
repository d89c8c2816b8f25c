// What the pages say when a call fails, in the page's language: the server's answers are sorted
// by status (their own text is English and meant for developers), a wrong secret and the
// throttle's answers are told apart, and the rest is a plain sentence.
import { SvaultAuthError } from "../../sdk/errors.js";
import { duration, t } from "./i18n.js";

/** The longest wait (Retry-After) the pages count down; a longer refusal is a block. */
const MAX_WAIT_SECONDS = 300;

export type Failure =
  | { readonly kind: "wrong-secret" }
  /** The server takes the next try after `seconds`. */
  | { readonly kind: "wait"; readonly seconds: number }
  | { readonly kind: "blocked" }
  /** The authorization request has expired or is unknown: the login cannot go on from this page. */
  | { readonly kind: "expired" }
  | { readonly kind: "other"; readonly message: string };

export function classifyFailure(error: unknown): Failure {
  if (!(error instanceof SvaultAuthError)) {
    return { kind: "other", message: error instanceof TypeError ? t("error.network") : t("error.generic") };
  }
  switch (error.status) {
    case 401:
      return { kind: "wrong-secret" };
    case 404:
      return { kind: "expired" };
    case 429:
      return error.retryAfter !== undefined && error.retryAfter <= MAX_WAIT_SECONDS
        ? { kind: "wait", seconds: Math.max(1, error.retryAfter) }
        : { kind: "blocked" };
    default:
      return { kind: "other", message: describeFailure(error) };
  }
}

/** A sentence for a failed registration, reset or confirmation. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof SvaultAuthError)) return error instanceof TypeError ? t("error.network") : t("error.generic");
  switch (error.status) {
    case 403:
      return t("register.closed");
    case 409:
      return t("register.taken");
    case 422: {
      const field = error.violations[0]?.loc.at(-1);
      if (field === "email") return t("register.emailInvalid");
      if (field === "username") return t("register.usernameInvalid");
      return t("error.checkInput");
    }
    case 429:
      return error.retryAfter !== undefined && error.retryAfter <= MAX_WAIT_SECONDS
        ? t("error.wait", { duration: duration(error.retryAfter) })
        : t("error.blocked");
    default:
      return t("error.generic");
  }
}

export function isExpiredRequest(error: unknown): boolean {
  return error instanceof SvaultAuthError && error.status === 404;
}
