// The browser sessions of one tenant (domain/oidc/sessions.ts holds the cookie's rules). Reads go
// through the ORM on an EntityManager scoped to this tenant (the `tenant` filter); the writes are
// statements naming the tenant (not the ORM's flush, see entity-rows.ts): a new session, a
// session's use (its sign-in, clients, last seen), and the one that ends sessions and revokes
// their token families.
import { type Session, SessionEntity } from "../entities/oidc.js";
import { sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";

/** A session to store. */
export interface NewSessionRow {
  readonly id: string;
  readonly userId: string;
  readonly secretHash: Buffer;
  readonly authTime: Date;
  readonly amr: string[];
  readonly clients: string[];
  readonly clientIssuers: Record<string, string>;
  readonly ip: string;
  readonly userAgent: string;
}

/** Which sessions to end: by id, of a user, or both (the user's sessions among the ids). */
export interface SessionSelection {
  readonly ids?: readonly string[];
  readonly userId?: string;
}

export class SessionRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  private scoped() {
    return scopeToTenant(this.uow.em, this.tenantId);
  }

  /** Stores a new session, last seen at its sign-in. */
  async create(row: NewSessionRow): Promise<Session> {
    const stored = await this.uow.first<Record<string, unknown>>(sql`insert into user_session
        (id, tenant_id, user_id, secret_hash, auth_time, amr, clients, client_issuers, ip, user_agent, created_at, last_seen_at, ended_at)
      values (${row.id}, ${this.tenantId}, ${row.userId}, ${row.secretHash}, ${row.authTime}, ${JSON.stringify(row.amr)}::jsonb,
        ${JSON.stringify(row.clients)}::jsonb, ${JSON.stringify(row.clientIssuers)}::jsonb, ${row.ip}, ${row.userAgent}, now(),
        ${row.authTime}, null)
      returning *`);
    return this.uow.em.map(SessionEntity, stored as Record<string, unknown>);
  }

  /** Writes what a sign-in and a use change of a session read from this repository (domain/oidc/sessions.ts). */
  async saveUse(session: Session): Promise<void> {
    await this.uow.execute(sql`update user_session set auth_time = ${session.authTime}, amr = ${JSON.stringify(session.amr)}::jsonb,
        clients = ${JSON.stringify(session.clients)}::jsonb, client_issuers = ${JSON.stringify(session.clientIssuers)}::jsonb,
        last_seen_at = ${session.lastSeenAt}
      where tenant_id = ${this.tenantId} and id = ${session.id}`);
  }

  /** A session that has not ended, by id. */
  async findLive(id: string): Promise<Session | undefined> {
    return (await this.scoped().findOne(SessionEntity, { id, endedAt: null })) ?? undefined;
  }

  /** A user's sessions that have not ended, newest first. */
  listLive(userId: string): Promise<Session[]> {
    return this.scoped().find(SessionEntity, { user: userId, endedAt: null }, { orderBy: { createdAt: "desc", id: "asc" } });
  }

  /**
   * Ends the selected live sessions and revokes their token families, in one statement; returns
   * the sessions it ended (for back-channel logout).
   */
  async end(which: SessionSelection): Promise<Session[]> {
    const filter = {
      endedAt: null,
      ...(which.ids ? { id: { $in: [...which.ids] } } : {}),
      ...(which.userId ? { user: which.userId } : {}),
    };
    const sessions = await this.scoped().find(SessionEntity, filter);
    if (sessions.length === 0) return [];
    const ids = sessions.map((s) => s.id);
    await this.uow.execute(sql`with ended as (
        update user_session set ended_at = now() where tenant_id = ${this.tenantId} and id in (${ids}) and ended_at is null)
      update token_family set revoked_at = now()
      where tenant_id = ${this.tenantId} and session_id in (${ids}) and revoked_at is null`);
    // This instance's verdicts of live access tokens (access-token-check.ts) drop them at once.
    this.uow.announce("user_session", this.tenantId);
    return sessions;
  }
}

/**
 * The one read of sessions across tenants: logout without a valid `id_token_hint` learns which
 * tenant the browser's session cookie belongs to (the cookie names the session, not its tenant).
 * The session's secret is checked afterwards, in that tenant.
 */
export class CrossTenantSessionLookup {
  constructor(private readonly uow: UnitOfWork) {}

  async tenantOf(sessionId: string): Promise<string | undefined> {
    const row = await this.uow.first<{ tenant_id: string }>(
      sql`select /* cross-tenant: the tenant of a logout's session cookie */ tenant_id from user_session where id = ${sessionId}`,
    );
    return row?.tenant_id;
  }
}
