// Re-authentication for the hosted account area (docs/hosted-ui.md, "Account"): adding or removing
// a passkey needs a recent sign-in, because a browser session lives for weeks (SESSION_IDLE_SECONDS)
// and whoever finds the browser unlocked must not be able to change how the account signs in.
// Recent means the session's own sign-in within REAUTHENTICATION_MAX_AGE_SECONDS, or the nonce of
// a login the person just finished on the page (PIN/pattern through Authenticate, or a passkey
// through Verify Auth, without an authorization request), consumed here: bound to the tenant and
// the user, unexpired, single use — the same proof Update Email takes (users/email-change.ts).
import { hashSecret } from "../../crypto/secret-hash.js";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { Session } from "../../persistence/entities/oidc.js";
import type { UserRepository } from "../../persistence/repositories/user-repository.js";

export const REAUTHENTICATION_MAX_AGE_SECONDS = 5 * 60;

export function reauthenticationRequired(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "REAUTHENTICATION_REQUIRED",
    "Confirm it is you: sign in again with your PIN, pattern or a passkey, then try again",
  );
}

/** Whether the session's sign-in is recent enough for a change to how the account signs in. */
export function recentlyAuthenticated(session: Pick<Session, "authTime">, now: number): boolean {
  return now - session.authTime.getTime() <= REAUTHENTICATION_MAX_AGE_SECONDS * 1000;
}

/** Throws REAUTHENTICATION_REQUIRED unless the session is recent or `proof` is a fresh login's nonce of its user. */
export async function requireRecentAuthentication(
  users: UserRepository,
  session: Pick<Session, "authTime" | "user">,
  proof: string,
  now: number,
): Promise<void> {
  if (recentlyAuthenticated(session, now)) return;
  if (proof !== "" && (await users.consumeLoginNonce(session.user, hashSecret(proof)))) return;
  throw reauthenticationRequired();
}
