// What the authorization endpoint and Sign In read and write in one tenant: the tenant's and
// client's settings, pending authorization requests, the login nonces of a request, and the
// codes issued. Sign In reads the nonces first and writes only once the sign-in policy is
// satisfied (domain/oidc/authorization.ts), so a sign-in that needs another factor leaves them
// usable for the next step.
import { type Client, ClientEntity } from "../entities/client.js";
import { type Tenant, TenantEntity } from "../entities/tenant.js";
import { type SqlFragment, sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { jsonColumn } from "./user-rows.js";

/** A login nonce of the presented nonce's user and request: one factor step that passed. */
export interface LoginStep {
  readonly userId: string;
  readonly amr: string[];
  /** Whether this is the nonce presented at Sign In. */
  readonly presented: boolean;
}

interface LoginStepRow {
  user_id: string;
  amr: string[] | string;
  presented: boolean;
}

export interface NewAuthRequest {
  readonly id: string;
  readonly clientId: string;
  readonly params: Record<string, unknown>;
  readonly expiresAt: Date;
}

export interface NewAuthorizationCode {
  readonly hash: Buffer;
  readonly familyId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string | null;
  readonly nonce: string | null;
  readonly scope: string;
  readonly issuer: string;
  readonly authTime: Date;
  readonly amr: string[];
  /** The DPoP key (RFC 7638 thumbprint) the code may only be redeemed with (RFC 9449 §10). */
  readonly dpopJkt: string | null;
  readonly expiresAt: Date;
}

export class AuthorizationRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  tenant(): Promise<Tenant | null> {
    return this.uow.em.findOne(TenantEntity, { id: this.tenantId });
  }

  client(clientId: string): Promise<Client | null> {
    return scopeToTenant(this.uow.em, this.tenantId).findOne(ClientEntity, { clientId });
  }

  /** Stores a pending authorization request (a statement, not the ORM's flush: see entity-rows.ts). */
  async createAuthRequest(request: NewAuthRequest): Promise<void> {
    await this.uow.execute(sql`insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at)
      values (${request.id}, ${this.tenantId}, ${request.clientId}, ${JSON.stringify(request.params)}::jsonb, ${request.expiresAt}, now())`);
  }

  /** Deletes the request; false when it was already gone (another Sign In or continuation took it). */
  async deleteAuthRequest(id: string): Promise<boolean> {
    return (await this.uow.execute(sql`delete from auth_request where tenant_id = ${this.tenantId} and id = ${id}`)) > 0;
  }

  /**
   * The live login nonces of the request that belong to the presented nonce's user (the presented
   * one among them): every factor step that user passed for this request. Empty when the presented
   * nonce is unknown, used, expired, or another request's. Nothing is consumed.
   */
  async loginSteps(presentedHash: Buffer, authReqId: string): Promise<LoginStep[]> {
    const rows = await this.uow.rows<LoginStepRow>(
      sql`select user_id, amr, hash = ${presentedHash} as presented from login_nonce where ${this.stepsOf(presentedHash, authReqId)}`,
    );
    return rows.map(stepOf);
  }

  /**
   * Consumes, in one statement, the presented nonce and every other live nonce of its user and
   * request; answers what it consumed. Of two concurrent Sign Ins one consumes them and the other
   * finds its nonce gone (no row `presented`).
   */
  async consumeLoginSteps(presentedHash: Buffer, authReqId: string): Promise<LoginStep[]> {
    const rows = await this.uow.rows<LoginStepRow>(
      sql`delete from login_nonce where ${this.stepsOf(presentedHash, authReqId)}
        returning user_id, amr, hash = ${presentedHash} as presented`,
    );
    return rows.map(stepOf);
  }

  /** Stores a code and its token family, in one statement (the family's dpop_jkt keeps its default, null). */
  async storeCode(code: NewAuthorizationCode): Promise<void> {
    const tenant = this.tenantId;
    await this.uow.execute(sql`with family as (
        insert into token_family (id, tenant_id, client_id, user_id, session_id, revoked_at, created_at)
        values (${code.familyId}, ${tenant}, ${code.clientId}, ${code.userId}, ${code.sessionId}, null, now()))
      insert into authorization_code (hash, tenant_id, family_id, client_id, user_id, session_id, redirect_uri, code_challenge,
        nonce, scope, issuer, auth_time, amr, dpop_jkt, expires_at, used_at)
      values (${code.hash}, ${tenant}, ${code.familyId}, ${code.clientId}, ${code.userId}, ${code.sessionId}, ${code.redirectUri},
        ${code.codeChallenge}, ${code.nonce}, ${code.scope}, ${code.issuer}, ${code.authTime}, ${JSON.stringify(code.amr)}::jsonb,
        ${code.dpopJkt}, ${code.expiresAt}, null)`);
  }

  /** The live nonces of the request whose user is the presented nonce's (login_nonce_auth_request_index). */
  private stepsOf(presentedHash: Buffer, authReqId: string): SqlFragment {
    return sql`tenant_id = ${this.tenantId} and auth_req_id = ${authReqId} and expires_at > now()
      and user_id = (select p.user_id from login_nonce p
        where p.hash = ${presentedHash} and p.tenant_id = ${this.tenantId} and p.auth_req_id = ${authReqId} and p.expires_at > now())`;
  }
}

function stepOf(row: LoginStepRow): LoginStep {
  return { userId: row.user_id, amr: jsonColumn(row.amr), presented: row.presented };
}
