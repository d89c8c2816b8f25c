// What the pages say when a call fails: the server's own message where it is meant for people
// (blocked, throttled, taken), a fixed one where it would confuse (a wrong secret).
import { SvaultAuthError } from "../../sdk/errors.js";

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function describeFailure(error: unknown, secretNoun: string): string {
  if (error instanceof SvaultAuthError) {
    switch (error.status) {
      case 401:
        return `The username or ${secretNoun} is not right. Please try again.`;
      case 429:
        return error.retryAfter ? `${error.detail} Try again in ${duration(error.retryAfter)}.` : error.detail;
      case 422:
        return error.violations.length > 0 ? error.violations.map((v) => v.msg).join(" ") : error.detail;
      default:
        return error.detail;
    }
  }
  if (error instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  return "Something went wrong. Please try again.";
}

/** The authorization request has expired or is unknown: the login cannot go on from this page. */
export function isExpiredRequest(error: unknown): boolean {
  return error instanceof SvaultAuthError && error.status === 404;
}

/** Seconds to hold back the next attempt after a throttled one (short delays only; a block is not waited out). */
export function retryDelaySeconds(error: unknown): number {
  return error instanceof SvaultAuthError && error.status === 429 && error.retryAfter !== undefined && error.retryAfter <= 300
    ? error.retryAfter
    : 0;
}
