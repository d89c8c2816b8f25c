// The self-service account flows of one tenant (domain/login/account-flows.ts): the one-time codes
// that verify an e-mail address and reset a credential, and what a reset lifts. On the request's
// unit of work, so that a flow's writes commit together. Every statement names this repository's
// tenant; the two reads by a code's hash alone are `CodeLookup`'s (the code names its tenant).
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { isUserId } from "./user-rows.js";

/** The account a reset may be mailed to: enabled, with that username and e-mail address. */
export interface ResetCandidate {
  readonly id: string;
  readonly email: string;
}

export class AccountRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** Stores a code that verifies `emailNormalized` for the user. */
  async issueVerificationCode(userId: string, hash: Buffer, emailNormalized: string, ttlSeconds: number): Promise<void> {
    await this.uow.execute(
      sql`insert into one_time_code (hash, tenant_id, user_id, purpose, email, attempts, expires_at, created_at)
       values (${hash}, ${this.tenantId}, ${userId}, 'verify_email', ${emailNormalized}, 0, now() + make_interval(secs => ${ttlSeconds}), now())`,
    );
  }

  /** The enabled user with this username and e-mail address, if any. */
  resetCandidate(usernameNormalized: string, emailNormalized: string): Promise<ResetCandidate | undefined> {
    return this.uow.first<ResetCandidate>(
      sql`select id, email from app_user where tenant_id = ${this.tenantId} and username_normalized = ${usernameNormalized}
        and email_normalized = ${emailNormalized} and not is_disabled`,
    );
  }

  /**
   * Stores a reset code for the user, replacing the previous ones, unless one was stored within
   * `intervalSeconds` (one statement); whether it stored this one.
   */
  async issueResetCodeUnlessRecent(userId: string, hash: Buffer, intervalSeconds: number, ttlSeconds: number): Promise<boolean> {
    const stored = await this.uow.rows(
      sql`with recent as (select 1 from one_time_code where tenant_id = ${this.tenantId} and user_id = ${userId} and purpose = 'reset_password'
                        and created_at > now() - make_interval(secs => ${intervalSeconds})),
            dropped as (delete from one_time_code where tenant_id = ${this.tenantId} and user_id = ${userId} and purpose = 'reset_password'
                        and not exists (select 1 from recent))
       insert into one_time_code (hash, tenant_id, user_id, purpose, email, attempts, expires_at, created_at)
       select ${hash}, ${this.tenantId}, ${userId}, 'reset_password', null, 0, now() + make_interval(secs => ${ttlSeconds}), now()
       where not exists (select 1 from recent)
       returning hash`,
    );
    return stored.length > 0;
  }

  /** The normalized username of a user of the tenant, if it exists. */
  async usernameOf(userId: string): Promise<string | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<{ username_normalized: string }>(
      sql`select username_normalized from app_user where tenant_id = ${this.tenantId} and id = ${userId}`,
    );
    return row?.username_normalized;
  }

  /** Counts a wrong attempt at a code; the code goes at the last allowed one. */
  async countWrongAttempt(hash: Buffer, last: boolean): Promise<void> {
    await this.uow.execute(
      last
        ? sql`delete from one_time_code where tenant_id = ${this.tenantId} and hash = ${hash}`
        : sql`update one_time_code set attempts = attempts + 1 where tenant_id = ${this.tenantId} and hash = ${hash}`,
    );
  }

  /** Takes an unexpired reset code (single use); whether there was one. */
  async takeResetCode(hash: Buffer): Promise<boolean> {
    const taken = await this.uow.rows(
      sql`delete from one_time_code where tenant_id = ${this.tenantId} and hash = ${hash} and purpose = 'reset_password'
        and expires_at > now() returning hash`,
    );
    return taken.length > 0;
  }

  /**
   * After a reset by mailed code: the address is verified (receiving the code proved the mailbox),
   * and the username's throttling and block are lifted (the owner is back). One statement.
   */
  async afterReset(userId: string, usernameNormalized: string): Promise<void> {
    await this.uow.execute(
      sql`with verified as (update app_user set is_verified = true, updated_at = now()
                            where tenant_id = ${this.tenantId} and id = ${userId} and email is not null),
              unblocked as (delete from blocked_user where tenant_id = ${this.tenantId} and username = ${usernameNormalized})
         delete from login_throttle where tenant_id = ${this.tenantId} and kind = 'user' and subject = ${usernameNormalized}`,
    );
    // This instance's verdicts of live access tokens carry is_verified (access-token-check.ts).
    this.uow.announce("app_user", this.tenantId);
  }
}

/** A code read by its hash alone: the code names its tenant and user. */
export interface CodeOwner {
  readonly tenantId: string;
  readonly userId: string;
}

/** The reads of one-time codes by hash across tenants: a mailed code is all its user presents. */
export class CodeLookup {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Takes an unexpired e-mail verification code and verifies the address — only the address the
   * code was sent to: a code must not verify an address changed since. One statement.
   */
  async verifyEmail(hash: Buffer): Promise<CodeOwner | undefined> {
    const row = await this.uow.first<{ tenant_id: string; user_id: string }>(
      sql`with taken as (
         delete from one_time_code /* cross-tenant: a mailed code names its tenant */ where hash = ${hash} and purpose = 'verify_email'
           and expires_at > now() returning tenant_id, user_id, email),
       verified as (
         update app_user u set is_verified = true, updated_at = now() from taken t
         where u.id = t.user_id and u.tenant_id = t.tenant_id and u.email_normalized = t.email)
       select tenant_id, user_id from taken`,
    );
    if (row) this.uow.announce("app_user", row.tenant_id);
    return row && { tenantId: row.tenant_id, userId: row.user_id };
  }

  /** A reset code, with the wrong attempts made at it so far and when it expires. */
  async resetCode(hash: Buffer): Promise<(CodeOwner & { readonly attempts: number; readonly expiresAt: Date }) | undefined> {
    const row = await this.uow.first<{ tenant_id: string; user_id: string; attempts: number; expires_at: Date | string }>(
      sql`select tenant_id, user_id, attempts, expires_at
        from one_time_code /* cross-tenant: a mailed code names its tenant */ where hash = ${hash} and purpose = 'reset_password'`,
    );
    return row && { tenantId: row.tenant_id, userId: row.user_id, attempts: row.attempts, expiresAt: new Date(row.expires_at) };
  }
}
