// Self-service account flows around the OPAQUE credential: registration, e-mail verification,
// reset by e-mailed code, and change by a signed-in user (docs/login-protocol.md §6, §9, §10).
import { randomUUID } from "node:crypto";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import { Code, DomainError, alreadyExists } from "../../errors/domain-error.js";
import { isUniqueViolation, violatedConstraint } from "../../persistence/db-errors.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { CodeLookup } from "../../persistence/repositories/account-repository.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import { normalizeEmail, normalizeUsername } from "../../sdk/identity-normalization.js";
import type { AccountMail } from "./account-mail.js";
import type { AuthEventRecorder } from "./auth-events.js";
import type { AuthTarget } from "./auth-target.js";
import { storeCredential } from "./credentials.js";
import { invalidField } from "./login-errors.js";
import type { CallerInfo } from "./opaque-login.js";
import type { OpaqueRegistration } from "./opaque-registration.js";
import { issueSecret } from "./single-use-secrets.js";

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

function invalidCode(): DomainError {
  return new DomainError(Code.InvalidArgument, "INVALID_CODE", "The code is invalid or has expired");
}

const tenantName = (tenant: Tenant) => tenant.displayName || tenant.id;

export class AccountFlows {
  constructor(private readonly deps: AccountDeps) {}

  /** Registers a user in the tenant of `repos` (the target's tenant). */
  async register(
    repos: TenantRepositories,
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
    const userId = randomUUID();
    let mailVerification: (() => void) | undefined;
    const opened = await this.deps.registration.open(repos.tenantId, {
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "register",
      username: input.username,
    });
    try {
      // All or nothing: the challenge, the user, the credential and the verification code.
      await repos.transactional(async (tx) => {
        const credential = await this.deps.registration.complete(tx, opened);
        await tx.users.insert({
          id: userId,
          username: input.username,
          usernameNormalized: username,
          email: input.email || null,
          emailNormalized: input.email ? normalizeEmail(input.email) : null,
          isDisabled: false,
          isVerified: false,
          locale: "",
          roles: [],
          externalId: null,
        });
        await storeCredential(tx, this.deps.keyring, userId, credential);
        if (input.email) mailVerification = await this.issueVerification(tx, tenant, userId, input.email);
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
    mailVerification?.();
    return { userId };
  }

  /**
   * Stores a verification code for `email` in the repositories' unit of work (and transaction), with
   * the change it verifies; the answer mails it: call it once that transaction has committed.
   */
  async issueVerification(repos: TenantRepositories, tenant: Tenant, userId: string, email: string): Promise<() => void> {
    const code = issueSecret();
    await repos.accounts.issueVerificationCode(userId, code.hash, normalizeEmail(email), VERIFY_EMAIL_TTL_SECONDS);
    return () => this.deps.mail.sendVerification({ to: email, code: code.value, tenantId: tenant.id, tenantName: tenantName(tenant) });
  }

  /** The code names its tenant and user: it is looked up across tenants. */
  async verifyEmail(uow: UnitOfWork, code: string, caller: CallerInfo): Promise<void> {
    const owner = await new CodeLookup(uow).verifyEmail(hashSecret(code));
    if (!owner) throw invalidCode();
    this.deps.events.record({ tenantId: owner.tenantId, kind: "verify_email", outcome: "success", userId: owner.userId, ...caller });
  }

  /** Mails a reset code when the username and e-mail match an account of the tenant of `repos`; silent otherwise. */
  async requestReset(
    repos: TenantRepositories,
    tenant: Tenant,
    input: { username: string; email: string; clientId?: string },
    caller: CallerInfo,
  ) {
    const username = normalizeUsername(input.username);
    const user = await repos.accounts.resetCandidate(username, normalizeEmail(input.email));
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
    // Skipped if a code was sent within the interval, else it replaces the previous ones.
    if (!(await repos.accounts.issueResetCodeUnlessRecent(user.id, code.hash, RESET_REQUEST_INTERVAL_SECONDS, RESET_CODE_TTL_SECONDS)))
      return;
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
    uow: UnitOfWork,
    input: { code: string; username: string; encryptedCommitment: string; protoVersion: string },
    caller: CallerInfo,
  ): Promise<void> {
    const hash = hashSecret(input.code);
    const code = await new CodeLookup(uow).resetCode(hash);
    if (!code || code.expiresAt.getTime() <= Date.now()) throw invalidCode();
    const repos = new TenantRepositories(uow, code.tenantId);
    const username = await repos.accounts.usernameOf(code.userId);
    if (username === undefined || username !== normalizeUsername(input.username)) {
      await repos.accounts.countWrongAttempt(hash, code.attempts + 1 >= RESET_CODE_MAX_ATTEMPTS);
      this.deps.events.record({ tenantId: code.tenantId, kind: "reset", outcome: "failure", reason: "username_mismatch", ...caller });
      throw invalidCode();
    }
    const opened = await this.deps.registration.open(repos.tenantId, {
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "register",
      username: input.username,
    });
    // All or nothing: the registration challenge, the code and the credential.
    await repos.transactional(async (tx) => {
      const credential = await this.deps.registration.complete(tx, opened);
      if (!(await tx.accounts.takeResetCode(hash))) throw invalidCode();
      await storeCredential(tx, this.deps.keyring, code.userId, credential);
      // Receiving the code proved the mailbox, and the owner is back: lift their throttling.
      await tx.accounts.afterReset(code.userId, username);
    });
    this.deps.events.record({ tenantId: code.tenantId, kind: "reset", outcome: "success", userId: code.userId, ...caller });
  }

  /** Aux Challenge + Change Password for a signed-in user of the tenant of `repos`. */
  async change(
    repos: TenantRepositories,
    userId: string,
    input: { encryptedCommitment: string; protoVersion: string; logData: Record<string, unknown> | null },
    caller: CallerInfo,
  ): Promise<void> {
    const opened = await this.deps.registration.open(repos.tenantId, {
      encryptedCommitment: input.encryptedCommitment,
      protoVersion: input.protoVersion,
      purpose: "change",
      userId,
    });
    // All or nothing: the change challenge and the credential.
    await repos.transactional(async (tx) => {
      const credential = await this.deps.registration.complete(tx, opened);
      await storeCredential(tx, this.deps.keyring, userId, credential);
    });
    this.deps.events.record({ tenantId: repos.tenantId, kind: "change", outcome: "success", userId, ...caller, logData: input.logData });
  }
}
