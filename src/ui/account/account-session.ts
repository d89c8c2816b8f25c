// Who is acting in the hosted account area (/ui/account/…): the person whose browser session the
// session cookie names, in the tenant the request names — the cookie of another tenant's session
// names nothing here. The area acts only as that person and never takes a user id from a request.
//
// Cross-site requests: the session cookie is SameSite=Lax, so other sites' scripts and forms
// cannot send it with a POST/PATCH/DELETE; on top of that every state-changing call must carry
// the session's CSRF token in a header (which only a page of this origin can read, from the page
// it was served) and an Origin header naming this service.
import { createHash, timingSafeEqual } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { sessionOfCookie } from "../../domain/oidc/sessions.js";
import type { Session } from "../../persistence/entities/oidc.js";
import type { UserRecord } from "../../persistence/repositories/user-rows.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../persistence/unit-of-work.js";

export const CSRF_HEADER = "x-svault-csrf";

export interface AccountCaller {
  readonly repos: TenantRepositories;
  readonly session: Session;
  readonly user: UserRecord;
}

/**
 * The session's CSRF token: derived from the cookie's value (which holds the session's secret and
 * never leaves the browser's cookie jar: HttpOnly), so it needs no storage and dies with the session.
 */
export function csrfTokenOf(sessionCookie: string): string {
  return createHash("sha256").update(`svault-account-csrf\u0000${sessionCookie}`).digest("base64url");
}

/** Whether a state-changing request came from this service's own page of this session. */
export function sameOriginWithToken(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  sessionCookie: string,
  publicOrigin: string,
): boolean {
  if (headers.origin !== publicOrigin) return false;
  const presented = Buffer.from(typeof headers[CSRF_HEADER] === "string" ? (headers[CSRF_HEADER] as string) : "");
  const expected = Buffer.from(csrfTokenOf(sessionCookie));
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The signed-in person of `tenantId` whose session the cookie names, or undefined (no, ended or foreign session; disabled user). */
export async function accountCaller(
  em: EntityManager,
  tenantId: string,
  sessionCookie: string | undefined,
): Promise<AccountCaller | undefined> {
  if (!tenantId || !sessionCookie) return undefined;
  const repos = new TenantRepositories(new UnitOfWork(em), tenantId);
  const session = await sessionOfCookie(repos.sessions, sessionCookie);
  if (!session) return undefined;
  const user = await repos.users.find(session.user);
  if (!user || user.isDisabled) return undefined;
  return { repos, session, user };
}
