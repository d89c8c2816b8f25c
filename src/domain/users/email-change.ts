// Update Email. A user changing their own address proves a fresh re-authentication: the nonce of
// a login run they just finished (Authenticate's answer), consumed here: bound to the tenant and
// the user, unexpired, single use. An administrator of the tenant (`users:write`) needs no proof.
// Either way the new address is unverified until the code mailed to it is used.
import { DomainError, Code, permissionDenied } from "../../errors/domain-error.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { hasScope, type Principal } from "../auth/permissions.js";
import type { AccountFlows } from "../login/account-flows.js";
import { normalizeEmail } from "../../sdk/identity-normalization.js";
import { duplicateError, requireTenant } from "./user-admin.js";
import { assertMayManage, requireUser } from "./user-record.js";

export interface EmailChangeInput {
  readonly challengeId: string;
  readonly challengeData: string;
  readonly email: string;
}

function invalidProof(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "REAUTHENTICATION_REQUIRED",
    "Changing your e-mail address needs a fresh re-authentication proof (challenge_id and the nonce of a login just finished)",
  );
}

export async function updateEmail(
  repos: TenantRepositories,
  accounts: AccountFlows,
  caller: Principal,
  userId: string,
  input: EmailChangeInput,
): Promise<void> {
  const isAdmin = hasScope(caller, "users:write");
  if (!isAdmin) {
    if (caller.userId !== userId) throw permissionDenied("You may only change your own e-mail address");
    if (!input.challengeId || !input.challengeData) throw invalidProof();
  }
  const tenant = await requireTenant(repos);
  // All or nothing: the proof, the new address and its verification code; mailed once committed.
  const mailVerification = await repos.transactional(async (tx) => {
    const current = await requireUser(tx.users, userId, { lock: true });
    if (isAdmin && caller.userId !== userId) assertMayManage(caller, current, undefined);
    if (!isAdmin && !(await tx.users.consumeLoginNonce(userId, hashSecret(input.challengeData)))) throw invalidProof();
    try {
      await tx.users.changeEmail(userId, input.email, normalizeEmail(input.email));
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
    return accounts.issueVerification(tx, tenant, userId, input.email);
  });
  mailVerification();
}
