// The OAuth grants of one tenant: authorization codes, refresh tokens, the token families they
// belong to, and revoked access tokens (domain/oidc/grants/, revocation.ts, access-token-check.ts).
// Every statement names this repository's tenant in each table it reads or writes. The writes of
// the token endpoint are single statements (data-modifying CTEs) so that a grant is redeemed or
// rotated and its successor stored together or not at all, and the endpoint keeps its round trips
// (docs/performance.md: code and refresh grants three statements each, with the client's). A write
// that can end an access token's life (a family revoked, a jti denied) is announced to this
// instance's verdicts of live tokens (access-token-check.ts) as soon as it returns.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

/** What a stored authorization code grants, and what its redemption needs to judge. */
export interface StoredCode {
  readonly familyId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string | null;
  readonly nonce: string | null;
  readonly scope: string;
  readonly issuer: string;
  readonly authTime: Date;
  readonly amr: string[];
  /** The DPoP key the code is bound to (RFC 9449 §10), if any. */
  readonly dpopJkt: string | null;
  readonly used: boolean;
  /** Unexpired and its family not revoked: the cheap half of liveness (the redemption checks all of it). */
  readonly live: boolean;
}

/** What a stored refresh token grants, and what its rotation needs to judge. */
export interface StoredRefreshToken {
  readonly familyId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly scope: string;
  readonly issuer: string;
  readonly authTime: Date;
  readonly amr: string[];
  readonly rotated: boolean;
  /** Unexpired and its family not revoked (ending a session or disabling a user revokes its families). */
  readonly live: boolean;
  /** Rotated within the reuse grace, to a successor that has not been used. */
  readonly reissuable: boolean;
  readonly successorHash: Buffer | null;
  /** The DPoP key the token's family is bound to (RFC 9449 §5; dpop-binding-repository.ts), or null. */
  readonly dpopJkt: string | null;
}

/** A refresh token to store: its hash and expiry (the rest is copied from the grant it continues). */
export interface NewRefreshToken {
  readonly hash: Buffer;
  readonly expiresAt: Date;
}

/** The user an access token acts for, as userinfo and the admin API need it. */
export interface LiveTokenUser {
  readonly id: string;
  readonly tenantId: string;
  readonly username: string;
  readonly email: string | null;
  readonly isVerified: boolean;
  readonly locale: string;
  readonly roles: string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A stored refresh token as introspection shows it (grant-repository.ts introspectRefreshToken). */
export interface IntrospectedRefreshToken {
  readonly clientId: string;
  readonly userId: string;
  readonly username: string;
  readonly sessionId: string | null;
  readonly scope: string;
  readonly issuer: string;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  /** Unexpired, unrotated, its family unrevoked, its session not ended and its user not disabled. */
  readonly active: boolean;
}

/** Whose tokens a revocation may touch: a client's, or a user's. */
export type TokenOwner = { readonly clientId: string } | { readonly userId: string };

interface CodeRow {
  family_id: string;
  user_id: string;
  session_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  nonce: string | null;
  scope: string;
  issuer: string;
  auth_time: Date | string;
  amr: string[];
  dpop_jkt: string | null;
  used: boolean;
  live: boolean;
}

interface RefreshRow {
  family_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  issuer: string;
  auth_time: Date | string;
  amr: string[];
  rotated: boolean;
  live: boolean;
  reissuable: boolean | null;
  successor_hash: Buffer | null;
  dpop_jkt: string | null;
}

interface LiveRow {
  id: string | null;
  tenant_id: string | null;
  username: string | null;
  email: string | null;
  is_verified: boolean | null;
  locale: string | null;
  roles: string[] | null;
  created_at: Date | string | null;
  updated_at: Date | string | null;
}

interface IntrospectRow {
  client_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  issuer: string;
  expires_at: Date | string;
  created_at: Date | string;
  username: string | null;
  active: boolean;
}

const dateOf = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

export class GrantRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  // --- authorization codes ---------------------------------------------------------------------

  /** A code of the calling client by hash: another client can neither read nor burn it. */
  async findCode(hash: Buffer, clientId: string): Promise<StoredCode | undefined> {
    const row = await this.uow.first<CodeRow>(sql`select c.family_id, c.user_id, c.session_id, c.redirect_uri, c.code_challenge,
        c.nonce, c.scope, c.issuer, c.auth_time, c.amr, c.dpop_jkt, c.used_at is not null as used,
        (c.expires_at > now() and f.revoked_at is null) as live
      from authorization_code c join token_family f on f.tenant_id = c.tenant_id and f.id = c.family_id
      where c.tenant_id = ${this.tenantId} and c.hash = ${hash} and c.client_id = ${clientId}`);
    return (
      row && {
        familyId: row.family_id,
        userId: row.user_id,
        sessionId: row.session_id,
        redirectUri: row.redirect_uri,
        codeChallenge: row.code_challenge,
        nonce: row.nonce,
        scope: row.scope,
        issuer: row.issuer,
        authTime: dateOf(row.auth_time),
        amr: row.amr,
        dpopJkt: row.dpop_jkt,
        used: row.used,
        live: row.live,
      }
    );
  }

  /**
   * Marks the code used — if it is unused and live (unexpired, its session live, its user not
   * disabled, its family not revoked): of two concurrent redemptions only one wins — and stores
   * the first refresh token of the grant, if any, in the same statement. False when not redeemed.
   */
  async redeemCode(hash: Buffer, refresh: NewRefreshToken | undefined): Promise<boolean> {
    const tenant = this.tenantId;
    const refreshHash = refresh?.hash ?? null;
    const rows = await this.uow.rows(sql`with redeemed as (
        update authorization_code c set used_at = now()
        where c.tenant_id = ${tenant} and c.hash = ${hash} and c.used_at is null and c.expires_at > now()
          and exists (select 1 from user_session s join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
                      where s.tenant_id = c.tenant_id and s.id = c.session_id and s.ended_at is null and not u.is_disabled)
          and exists (select 1 from token_family f where f.tenant_id = c.tenant_id and f.id = c.family_id and f.revoked_at is null)
        returning c.*),
      stored as (
        insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr,
          expires_at, created_at)
        select ${refreshHash}::bytea, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr,
          ${refresh?.expiresAt ?? null}, now()
        from redeemed where ${refreshHash}::bytea is not null)
      select 1 from redeemed`);
    return rows.length > 0;
  }

  /** A used code presented again is a replay: revokes what it issued (RFC 9700 §4.5.3.1). */
  async revokeFamilyOfReplayedCode(familyId: string, hash: Buffer): Promise<void> {
    await this.uow.execute(sql`update token_family set revoked_at = now()
      where tenant_id = ${this.tenantId} and id = ${familyId} and revoked_at is null
        and exists (select 1 from authorization_code c where c.tenant_id = ${this.tenantId} and c.hash = ${hash} and c.used_at is not null)`);
    this.uow.announce("token_family", this.tenantId);
  }

  // --- refresh tokens --------------------------------------------------------------------------

  /**
   * A refresh token of the calling client by hash (another client learns nothing and burns
   * nothing), whether it was rotated, whether its successor is still unused within the reuse
   * grace, the cheap half of its liveness, and the DPoP key its family is bound to (so that the
   * token endpoint's refresh needs no statement of its own for the binding).
   */
  async findRefreshToken(hash: Buffer, clientId: string, reuseGraceSeconds: number): Promise<StoredRefreshToken | undefined> {
    const row = await this.uow.preparedFirst<RefreshRow>(sql`select r.family_id, r.user_id, r.session_id, r.scope, r.issuer, r.auth_time,
        r.amr, r.successor_hash, f.dpop_jkt, r.rotated_at is not null as rotated, (r.expires_at > now() and f.revoked_at is null) as live,
        (r.rotated_at > now() - make_interval(secs => ${reuseGraceSeconds}) and successor.hash is not null
          and successor.rotated_at is null) as reissuable
      from refresh_token r join token_family f on f.tenant_id = r.tenant_id and f.id = r.family_id
        left join refresh_token successor on successor.tenant_id = r.tenant_id and successor.hash = r.successor_hash
      where r.tenant_id = ${this.tenantId} and r.hash = ${hash} and r.client_id = ${clientId}`);
    return (
      row && {
        familyId: row.family_id,
        userId: row.user_id,
        sessionId: row.session_id,
        scope: row.scope,
        issuer: row.issuer,
        authTime: dateOf(row.auth_time),
        amr: row.amr,
        rotated: row.rotated,
        live: row.live,
        reissuable: row.reissuable === true,
        successorHash: row.successor_hash,
        dpopJkt: row.dpop_jkt,
      }
    );
  }

  /**
   * Retires a live, unrotated token and stores its successor, in one statement: both or neither,
   * and neither for a dead token. Of two concurrent uses of one token only one finds it unrotated.
   */
  async rotate(hash: Buffer, successor: NewRefreshToken): Promise<boolean> {
    const rows = await this.uow.preparedRows(sql`with retired as (
        update refresh_token r set rotated_at = now(), successor_hash = ${successor.hash}
        where r.tenant_id = ${this.tenantId} and r.hash = ${hash} and r.rotated_at is null and ${this.liveRefresh()}
        returning r.*)
      ${this.storeSuccessor(successor)}`);
    return rows.length > 0;
  }

  /**
   * Within the reuse grace: retires the unused successor of a rotated token and stores a new one in
   * its place, in one statement. Of two concurrent re-presentations only one finds it unused.
   */
  async reissue(hash: Buffer, unusedSuccessor: Buffer, successor: NewRefreshToken): Promise<boolean> {
    const rows = await this.uow.preparedRows(sql`with superseded as (
        update refresh_token s set rotated_at = now()
        where s.tenant_id = ${this.tenantId} and s.hash = ${unusedSuccessor} and s.rotated_at is null returning s.hash),
      retired as (
        update refresh_token r set successor_hash = ${successor.hash}
        where r.tenant_id = ${this.tenantId} and r.hash = ${hash} and r.successor_hash = (select hash from superseded)
          and ${this.liveRefresh()}
        returning r.*)
      ${this.storeSuccessor(successor)}`);
    return rows.length > 0;
  }

  /** A retired token presented again means it was stolen or replayed: revokes its family. */
  async revokeFamilyOfReusedToken(familyId: string, hash: Buffer): Promise<void> {
    await this.uow.execute(sql`update token_family set revoked_at = now()
      where tenant_id = ${this.tenantId} and id = ${familyId} and revoked_at is null
        and exists (select 1 from refresh_token r where r.tenant_id = ${this.tenantId} and r.hash = ${hash} and r.rotated_at is not null)`);
    this.uow.announce("token_family", this.tenantId);
  }

  // --- revocation and access tokens ------------------------------------------------------------

  /** Revokes the family of a refresh token of `owner` (RFC 7009); false when there is no such live token. */
  async revokeFamilyOfRefreshToken(hash: Buffer, owner: TokenOwner): Promise<boolean> {
    const ownedBy = "clientId" in owner ? sql`client_id = ${owner.clientId}` : sql`user_id = ${owner.userId}`;
    const rows = await this.uow.rows(sql`update token_family set revoked_at = now()
      where tenant_id = ${this.tenantId} and revoked_at is null and ${ownedBy}
        and id = (select family_id from refresh_token where tenant_id = ${this.tenantId} and hash = ${hash})
      returning id`);
    if (rows.length > 0) this.uow.announce("token_family", this.tenantId);
    return rows.length > 0;
  }

  /** Denies an access token by its jti until it expires (`expiresAt`, seconds since the epoch). */
  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.uow.execute(sql`insert into revoked_access_token (jti, tenant_id, expires_at)
      values (${jti}, ${this.tenantId}, to_timestamp(${expiresAt})) on conflict (jti) do nothing`);
    this.uow.announce("revoked_access_token", this.tenantId);
  }

  /**
   * The database side of an access token's validity, in one statement: its family is not
   * revoked, its session (if any) exists and has not ended, its jti was not revoked and its user
   * (if any) exists and is not disabled (a row deleted by hand must not leave its tokens live).
   * Undefined when it is not valid; `{ user: undefined }` for a token without a user
   * (client_credentials). A client's own token has no family (`familyId` undefined): it is live
   * while its client exists and its jti is not revoked. (Tokens of that kind issued before they
   * went without a family carry one, and are checked by it.) Its "live" verdicts are kept in
   * memory (live-token-verdicts.ts): every write that can change one is announced.
   */
  async liveAccessToken(
    familyId: string | undefined,
    jti: string,
    clientId: string,
  ): Promise<{ readonly user: LiveTokenUser | undefined } | undefined> {
    if (familyId === undefined) {
      const client = await this.uow.preparedFirst(sql`select 1 from client c
        where c.tenant_id = ${this.tenantId} and c.client_id = ${clientId}
          and not exists (select 1 from revoked_access_token r where r.tenant_id = c.tenant_id and r.jti = ${jti})`);
      return client ? { user: undefined } : undefined;
    }
    const row = await this.uow.preparedFirst<LiveRow>(sql`select u.id, u.tenant_id, u.username, u.email, u.is_verified, u.locale, u.roles,
        u.created_at, u.updated_at
      from token_family f
        left join app_user u on u.tenant_id = f.tenant_id and u.id = f.user_id
        left join user_session s on s.tenant_id = f.tenant_id and s.id = f.session_id
      where f.tenant_id = ${this.tenantId} and f.id = ${familyId} and f.revoked_at is null
        and (f.session_id is null or (s.id is not null and s.ended_at is null))
        and (f.user_id is null or (u.id is not null and not u.is_disabled))
        and not exists (select 1 from revoked_access_token r where r.tenant_id = f.tenant_id and r.jti = ${jti})`);
    if (!row) return undefined;
    if (row.id === null) return { user: undefined };
    return {
      user: {
        id: row.id,
        tenantId: row.tenant_id ?? this.tenantId,
        username: row.username ?? "",
        email: row.email,
        isVerified: row.is_verified === true,
        locale: row.locale ?? "",
        roles: row.roles ?? [],
        createdAt: dateOf(row.created_at ?? new Date(0)),
        updatedAt: dateOf(row.updated_at ?? new Date(0)),
      },
    };
  }

  /**
   * A refresh token as introspection (RFC 7662) shows it, in one statement: what it grants, its
   * user's username, and whether it is active — unrotated, and live as liveRefresh() judges.
   * Undefined when the tenant has no such token.
   */
  async introspectRefreshToken(hash: Buffer): Promise<IntrospectedRefreshToken | undefined> {
    const row = await this.uow.preparedFirst<IntrospectRow>(sql`select r.client_id, r.user_id, r.session_id, r.scope, r.issuer,
        r.expires_at, r.created_at, u.username, (r.rotated_at is null and ${this.liveRefresh()}) as active
      from refresh_token r left join app_user u on u.tenant_id = r.tenant_id and u.id = r.user_id
      where r.tenant_id = ${this.tenantId} and r.hash = ${hash}`);
    return (
      row && {
        clientId: row.client_id,
        userId: row.user_id,
        username: row.username ?? "",
        sessionId: row.session_id,
        scope: row.scope,
        issuer: row.issuer,
        expiresAt: dateOf(row.expires_at),
        createdAt: dateOf(row.created_at),
        active: row.active,
      }
    );
  }

  /** The refresh token `r` is unexpired, its family unrevoked, its session (if any) not ended, its user not disabled. */
  private liveRefresh() {
    return sql`r.expires_at > now()
      and exists (select 1 from token_family f where f.tenant_id = r.tenant_id and f.id = r.family_id and f.revoked_at is null)
      and not exists (select 1 from user_session s where s.tenant_id = r.tenant_id and s.id = r.session_id and s.ended_at is not null)
      and exists (select 1 from app_user u where u.tenant_id = r.tenant_id and u.id = r.user_id and not u.is_disabled)`;
  }

  /** The successor: a copy of the retired token's grant (its original scope, RFC 6749 §6) under a new hash and expiry. */
  private storeSuccessor(successor: NewRefreshToken) {
    return sql`insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer,
        auth_time, amr, expires_at, created_at)
      select ${successor.hash}::bytea, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr,
        ${successor.expiresAt}::timestamptz, now() from retired
      returning hash`;
  }
}
