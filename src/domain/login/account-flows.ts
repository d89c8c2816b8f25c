// Self-service account flows around the OPAQUE credential: registration, e-mail verification,
// reset by e-mailed code, and change by a signed-in user (docs/login-protocol.md §6, §9, §10).
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import { Code, DomainError, alreadyExists } from "../../errors/domain-error.js";
import { isUniqueViolation, violatedConstraint } from "../../persistence/db-errors.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { normalizeEmail, normalizeUsername } from "../users/identity-normalization.js";
import type { AccountMail } from "./account-mail.js";
import type { AuthEventRecorder } from "./auth-events.js";
import type { AuthTarget } from "./auth-target.js";
import { storeCredential } from "./credentials.js";
import { invalidField } from "./login-errors.js";
import type { CallerInfo } from "./opaque-login.js";
import type { OpaqueRegistration } from "./opaque-registration.js";
import { issueSecret } from "./single-use-secrets.js";
import { executeSql } from "../../persistence/execute-sql.js";

export const VERIFY_EMAIL_TTL_SECONDS = 24 * 3600;
export const RESET_CODE_TTL_SECONDS = 30 * 60;
export const RESET_CODE_MAX_ATTEMPTS = 5;
/** At most one reset e-mail per account per minute: a reset form must not become a mail bomb. */
const RESET_REQUEST_INTERVAL_SECONDS = 60;

export interface AccountDeps {
  readonly keyring: Keyring;
  readonly registration: OpaqueRegistration;
  readonly mail: AccountMail;
  readonly events: AuthEventRecorder;
}

interface CodeRow {
  hash: Buffer;
  tenant_id: string;
  user_id: string;
  purpose: string;
  email: string | null;
  attempts: number;
  expires_at: Date;
}

function invalidCode(): DomainError {
  return new DomainError(Code.InvalidArgument, "INVALID_CODE", "The code is invalid or has expired");
}

const tenantName = (tenant: Tenant) => tenant.displayName || tenant.id;

export class AccountFlows {
  constructor(private readonly deps: AccountDeps) {}

  async register(
    em: EntityManager,
    target: AuthTarget,
    input: { username: string; email: string; encryptedCommitment: string; protoVersion: string; logData: Record<string, unknown> | null },
    caller: CallerInfo,
  ): Promise<{ userId: string }> {
    const { tenant, client } = target;
    if (!tenant.registerEnable || (target.authRequest && !client?.registerEnable)) {
      throw new DomainError(Code.PermissionDenied, "REGISTRATION_CLOSED", "Registration is not open here");
    }
    if (tenant.hasUsernameAndEmail && !input.email) throw invalidField(["email"], "Field required", "missing");
    const username = normalizeUsername(input.username);
    const credential = await this.deps.registration.complete(em, {
      tenantId: tenant.id,
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "register",
      username: input.username,
    });
    const userId = randomUUID();
    try {
      await em.transactional(async (tx) => {
        await executeSql(
          tx,
          `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, is_disabled, is_verified,
             locale, roles, external_id, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, false, false, '', '[]', null, now(), now())`,
          [userId, tenant.id, input.username, username, input.email || null, input.email ? normalizeEmail(input.email) : null],
          "run",
        );
        await storeCredential(tx, this.deps.keyring, tenant.id, userId, credential);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        this.deps.events.record({ tenantId: tenant.id, kind: "register", outcome: "failure", reason: "taken", username, ...caller });
        throw violatedConstraint(error).includes("email")
          ? alreadyExists("EMAIL_TAKEN", "This e-mail address is already registered")
          : alreadyExists("USERNAME_TAKEN", "This username is already taken");
      }
      throw error;
    }
    this.deps.events.record({
      tenantId: tenant.id,
      kind: "register",
      outcome: "success",
      username,
      userId,
      ...caller,
      clientId: client?.clientId ?? null,
      logData: input.logData,
    });
    if (input.email) await this.sendVerification(em, tenant, userId, input.email);
    return { userId };
  }

  /** Issues a verification code for `email` and mails it. */
  async sendVerification(em: EntityManager, tenant: Tenant, userId: string, email: string): Promise<void> {
    const code = issueSecret();
    await executeSql(
      em,
      `insert into one_time_code (hash, tenant_id, user_id, purpose, email, attempts, expires_at, created_at)
       values (?, ?, ?, 'verify_email', ?, 0, now() + make_interval(secs => ?), now())`,
      [code.hash, tenant.id, userId, normalizeEmail(email), VERIFY_EMAIL_TTL_SECONDS],
      "run",
    );
    this.deps.mail.sendVerification({ to: email, code: code.value, tenantId: tenant.id, tenantName: tenantName(tenant) });
  }

  async verifyEmail(em: EntityManager, code: string, caller: CallerInfo): Promise<void> {
    const row = await this.takeCode(em, code, "verify_email");
    if (!row) throw invalidCode();
    // Only the address the code was sent to: a code must not verify an address changed since.
    await executeSql(
      em,
      "update app_user set is_verified = true, updated_at = now() where id = ? and tenant_id = ? and email_normalized = ?",
      [row.user_id, row.tenant_id, row.email],
    );
    this.deps.events.record({ tenantId: row.tenant_id, kind: "verify_email", outcome: "success", userId: row.user_id, ...caller });
  }

  /** Mails a reset code when the username and e-mail match an account; silent otherwise. */
  async requestReset(em: EntityManager, tenant: Tenant, input: { username: string; email: string; clientId?: string }, caller: CallerInfo) {
    const username = normalizeUsername(input.username);
    const [user] = (await executeSql(
      em,
      "select id, email from app_user where tenant_id = ? and username_normalized = ? and email_normalized = ? and not is_disabled",
      [tenant.id, username, normalizeEmail(input.email)],
    )) as { id: string; email: string }[];
    this.deps.events.record({
      tenantId: tenant.id,
      kind: "reset_request",
      outcome: user ? "success" : "failure",
      reason: user ? "" : "no_match",
      username,
      userId: user?.id ?? null,
      ...caller,
    });
    if (!user) return;
    const code = issueSecret();
    // One statement: skip if a code was sent within the interval, else replace the previous ones.
    const inserted = (await executeSql(
      em,
      `with recent as (select 1 from one_time_code where tenant_id = ? and user_id = ? and purpose = 'reset_password'
                        and created_at > now() - make_interval(secs => ?)),
            dropped as (delete from one_time_code where tenant_id = ? and user_id = ? and purpose = 'reset_password'
                        and not exists (select 1 from recent))
       insert into one_time_code (hash, tenant_id, user_id, purpose, email, attempts, expires_at, created_at)
       select ?, ?, ?, 'reset_password', null, 0, now() + make_interval(secs => ?), now() where not exists (select 1 from recent)
       returning hash`,
      [tenant.id, user.id, RESET_REQUEST_INTERVAL_SECONDS, tenant.id, user.id, code.hash, tenant.id, user.id, RESET_CODE_TTL_SECONDS],
    )) as unknown[];
    if (inserted.length === 0) return;
    this.deps.mail.sendReset({
      to: user.email,
      code: code.value,
      tenantId: tenant.id,
      tenantName: tenantName(tenant),
      minutesValid: RESET_CODE_TTL_SECONDS / 60,
      ...(input.clientId ? { clientId: input.clientId } : {}),
    });
  }

  /** Sets a new credential with a reset code; the code names the tenant and the user. */
  async resetWithCode(
    em: EntityManager,
    input: { code: string; username: string; encryptedCommitment: string; protoVersion: string },
    caller: CallerInfo,
  ): Promise<void> {
    const hash = hashSecret(input.code);
    const [row] = (await executeSql(em, "select * from one_time_code where hash = ? and purpose = 'reset_password'", [hash])) as CodeRow[];
    if (!row || new Date(row.expires_at).getTime() <= Date.now()) throw invalidCode();
    const [user] = (await executeSql(em, "select id, username_normalized from app_user where id = ? and tenant_id = ?", [
      row.user_id,
      row.tenant_id,
    ])) as {
      id: string;
      username_normalized: string;
    }[];
    if (!user || user.username_normalized !== normalizeUsername(input.username)) {
      await this.countWrongAttempt(em, hash, row.attempts);
      this.deps.events.record({ tenantId: row.tenant_id, kind: "reset", outcome: "failure", reason: "username_mismatch", ...caller });
      throw invalidCode();
    }
    const credential = await this.deps.registration.complete(em, {
      tenantId: row.tenant_id,
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "register",
      username: input.username,
    });
    await em.transactional(async (tx) => {
      const taken = (await executeSql(tx, "delete from one_time_code where hash = ? returning hash", [hash])) as unknown[];
      if (taken.length === 0) throw invalidCode();
      await storeCredential(tx, this.deps.keyring, row.tenant_id, user.id, credential);
      // Receiving the code proved the mailbox, and the owner is back: lift their throttling.
      await executeSql(
        tx,
        `with verified as (update app_user set is_verified = true, updated_at = now() where id = ? and email is not null),
              unblocked as (delete from blocked_user where tenant_id = ? and username = ?)
         delete from login_throttle where tenant_id = ? and kind = 'user' and subject = ?`,
        [user.id, row.tenant_id, user.username_normalized, row.tenant_id, user.username_normalized],
        "run",
      );
    });
    this.deps.events.record({ tenantId: row.tenant_id, kind: "reset", outcome: "success", userId: user.id, ...caller });
  }

  /** Aux Challenge + Change Password for a signed-in user. */
  async change(
    em: EntityManager,
    tenantId: string,
    userId: string,
    input: { encryptedCommitment: string; protoVersion: string; logData: Record<string, unknown> | null },
    caller: CallerInfo,
  ): Promise<void> {
    const credential = await this.deps.registration.complete(em, {
      tenantId,
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "change",
      userId,
    });
    await storeCredential(em, this.deps.keyring, tenantId, userId, credential);
    this.deps.events.record({ tenantId, kind: "change", outcome: "success", userId, ...caller, logData: input.logData });
  }

  private async takeCode(em: EntityManager, code: string, purpose: string): Promise<CodeRow | undefined> {
    const [row] = (await executeSql(em, "delete from one_time_code where hash = ? and purpose = ? returning *", [
      hashSecret(code),
      purpose,
    ])) as CodeRow[];
    return row && new Date(row.expires_at).getTime() > Date.now() ? row : undefined;
  }

  private async countWrongAttempt(em: EntityManager, hash: Buffer, attempts: number): Promise<void> {
    const sql =
      attempts + 1 >= RESET_CODE_MAX_ATTEMPTS
        ? "delete from one_time_code where hash = ?"
        : "update one_time_code set attempts = attempts + 1 where hash = ?";
    await executeSql(em, sql, [hash], "run");
  }
}
