// The browser sessions of one tenant (domain/oidc/sessions.ts holds the cookie's rules). Reads go
// through the ORM on an EntityManager scoped to this tenant (the `tenant` filter); the writes that
// end sessions are one statement that also revokes their token families, naming the tenant in
// both. A session's use (its clients, last seen) is written by the ORM's change set, by the
// primary key of a session read through this repository.
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

  /** A new session, written with the unit of work's next flush (with the code it issues). */
  create(row: NewSessionRow): Session {
    return this.scoped().create(SessionEntity, {
      id: row.id,
      tenant: this.tenantId,
      user: row.userId,
      secretHash: row.secretHash,
      authTime: row.authTime,
      amr: row.amr,
      clients: row.clients,
      clientIssuers: row.clientIssuers,
      ip: row.ip,
      userAgent: row.userAgent,
      lastSeenAt: row.authTime,
      endedAt: null,
    });
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
