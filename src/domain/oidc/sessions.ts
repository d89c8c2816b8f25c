// Browser sessions of signed-in users. The cookie carries `<session id>.<secret>`; only the
// secret's hash is stored, so reading the database does not yield a usable cookie. Ending a
// session revokes every token family issued in it (refresh tokens die, access tokens fail at
// userinfo), and notifies the clients that asked for back-channel logout.
import { timingSafeEqual } from "node:crypto";
import { randomToken } from "../../crypto/random-token.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import type { Session } from "../../persistence/entities/oidc.js";
import type { SessionRepository, SessionSelection } from "../../persistence/repositories/session-repository.js";

export const SESSION_COOKIE = "svault_session";
/** Sessions end after this long without use, like an idle timeout. */
export const SESSION_IDLE_SECONDS = 14 * 86_400;

export interface NewSession {
  readonly session: Session;
  /** The cookie value, given to the browser once. */
  readonly cookie: string;
}

export function cookieName(publicUrl: string): string {
  // `__Host-` pins the cookie to this host, path `/` and https (RFC 6265bis).
  return publicUrl.startsWith("https:") ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** A new session, stored now (in the caller's transaction, the one that also issues its code). */
export async function createSession(
  sessions: SessionRepository,
  input: { userId: string; amr: string[]; clientId: string; issuer: string; ip: string; userAgent: string; authTime?: Date },
): Promise<NewSession> {
  const id = randomToken(18);
  const secret = randomToken(32);
  const session = await sessions.create({
    id,
    userId: input.userId,
    secretHash: hashSecret(secret),
    authTime: input.authTime ?? new Date(),
    amr: input.amr,
    clients: [input.clientId],
    clientIssuers: { [input.clientId]: input.issuer },
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { session, cookie: `${id}.${secret}` };
}

/** The live session a cookie names in a tenant, or undefined. */
export async function sessionOfCookie(sessions: SessionRepository, cookie: string | undefined): Promise<Session | undefined> {
  const [id, secret] = (cookie ?? "").split(".");
  if (!id || !secret) return undefined;
  const session = await sessions.findLive(id);
  if (!session) return undefined;
  const hash = hashSecret(secret);
  if (hash.length !== session.secretHash.length || !timingSafeEqual(hash, session.secretHash)) return undefined;
  if (Date.now() - session.lastSeenAt.getTime() > SESSION_IDLE_SECONDS * 1000) return undefined;
  return session;
}

/**
 * Records that the session signed in to a client (through an issuer), and that it was used now;
 * written with its other changes (its sign-in's authTime and amr) by `sessions.saveUse`.
 */
export function touchSession(session: Session, clientId: string, issuer: string): void {
  if (!session.clients.includes(clientId)) session.clients = [...session.clients, clientId];
  if (session.clientIssuers[clientId] !== issuer) session.clientIssuers = { ...session.clientIssuers, [clientId]: issuer };
  session.lastSeenAt = new Date();
}

/** Ends sessions and revokes their token families; returns what ended (for back-channel logout). */
export function endSessions(sessions: SessionRepository, which: SessionSelection): Promise<Session[]> {
  return sessions.end(which);
}

export function listSessions(sessions: SessionRepository, userId: string): Promise<Session[]> {
  return sessions.listLive(userId);
}
