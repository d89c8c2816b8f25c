// Browser sessions of signed-in users. The cookie carries `<session id>.<secret>`; only the
// secret's hash is stored, so reading the database does not yield a usable cookie. Ending a
// session revokes every token family issued in it (refresh tokens die, access tokens fail at
// userinfo), and notifies the clients that asked for back-channel logout.
import { timingSafeEqual } from "node:crypto";
import { randomToken } from "../../crypto/random-token.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import { type Session, SessionEntity } from "../../persistence/entities/oidc.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { executeSql } from "../../persistence/execute-sql.js";

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

export async function createSession(
  em: EntityManager,
  input: { tenantId: string; userId: string; amr: string[]; clientId: string; issuer: string; ip: string; userAgent: string },
): Promise<NewSession> {
  const id = randomToken(18);
  const secret = randomToken(32);
  const now = new Date();
  const session = scopeToTenant(em, input.tenantId).create(SessionEntity, {
    id,
    tenant: input.tenantId,
    user: input.userId,
    secretHash: hashSecret(secret),
    authTime: now,
    amr: input.amr,
    clients: [input.clientId],
    clientIssuers: { [input.clientId]: input.issuer },
    ip: input.ip,
    userAgent: input.userAgent,
    lastSeenAt: now,
    endedAt: null,
  });
  await em.flush();
  return { session, cookie: `${id}.${secret}` };
}

/** The live session a cookie names in a tenant, or undefined. */
export async function sessionOfCookie(em: EntityManager, tenantId: string, cookie: string | undefined): Promise<Session | undefined> {
  const [id, secret] = (cookie ?? "").split(".");
  if (!id || !secret) return undefined;
  const session = await scopeToTenant(em, tenantId).findOne(SessionEntity, { id, endedAt: null });
  if (!session) return undefined;
  const hash = hashSecret(secret);
  if (hash.length !== session.secretHash.length || !timingSafeEqual(hash, session.secretHash)) return undefined;
  if (Date.now() - session.lastSeenAt.getTime() > SESSION_IDLE_SECONDS * 1000) return undefined;
  return session;
}

/** Records that the session signed in to a client (through an issuer), and that it was used now. */
export async function touchSession(em: EntityManager, session: Session, clientId: string, issuer: string): Promise<void> {
  if (!session.clients.includes(clientId)) session.clients = [...session.clients, clientId];
  if (session.clientIssuers[clientId] !== issuer) session.clientIssuers = { ...session.clientIssuers, [clientId]: issuer };
  session.lastSeenAt = new Date();
  await em.flush();
}

/** Ends sessions and revokes their token families; returns what ended (for back-channel logout). */
export async function endSessions(em: EntityManager, tenantId: string, where: { ids?: string[]; userId?: string }): Promise<Session[]> {
  const scoped = scopeToTenant(em, tenantId);
  const filter = { endedAt: null, ...(where.ids ? { id: { $in: where.ids } } : {}), ...(where.userId ? { user: where.userId } : {}) };
  const sessions = await scoped.find(SessionEntity, filter);
  if (sessions.length === 0) return [];
  const ids = sessions.map((s) => s.id);
  const list = ids.map(() => "?").join(", ");
  await executeSql(
    em,
    `with ended as (update user_session set ended_at = now() where tenant_id = ? and id in (${list}) and ended_at is null)
     update token_family set revoked_at = now() where tenant_id = ? and session_id in (${list}) and revoked_at is null`,
    [tenantId, ...ids, tenantId, ...ids],
    "run",
  );
  return sessions;
}

export async function listSessions(em: EntityManager, tenantId: string, userId: string): Promise<Session[]> {
  return scopeToTenant(em, tenantId).find(SessionEntity, { user: userId, endedAt: null }, { orderBy: { createdAt: "desc", id: "asc" } });
}
