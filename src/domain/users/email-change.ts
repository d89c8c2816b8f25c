// Update Email. A user changing their own address proves a fresh re-authentication: the nonce of
// a login run they just finished (Authenticate's answer), consumed here: bound to the tenant and
// the user, unexpired, single use. An administrator of the tenant (`users:write`) needs no proof.
// Either way the new address is unverified until the code mailed to it is used.
import type { EntityManager } from "@mikro-orm/postgresql";
import { DomainError, Code, permissionDenied } from "../../errors/domain-error.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import { hasScope, type Principal } from "../auth/permissions.js";
import type { AccountFlows } from "../login/account-flows.js";
import { normalizeEmail } from "./identity-normalization.js";
import { duplicateError, requireTenant } from "./user-admin.js";
import { assertMayManage, requireUserRow } from "./user-record.js";
import { executeSql } from "../../persistence/execute-sql.js";

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
  em: EntityManager,
  accounts: AccountFlows,
  caller: Principal,
  tenantId: string,
  userId: string,
  input: EmailChangeInput,
): Promise<void> {
  const isAdmin = hasScope(caller, "users:write");
  if (!isAdmin) {
    if (caller.userId !== userId) throw permissionDenied("You may only change your own e-mail address");
    if (!input.challengeId || !input.challengeData) throw invalidProof();
  }
  const tenant = await requireTenant(em, tenantId);
  await em.transactional(async (tx) => {
    const current = await requireUserRow(tx, tenantId, userId, true);
    if (isAdmin && caller.userId !== userId) assertMayManage(caller, current, undefined);
    if (!isAdmin) {
      const used = (await executeSql(
        tx,
        "delete from login_nonce where hash = ? and tenant_id = ? and user_id = ? and expires_at > now() returning hash",
        [hashSecret(input.challengeData), tenantId, userId],
      )) as unknown[];
      if (used.length === 0) throw invalidProof();
    }
    try {
      await executeSql(
        tx,
        "update app_user set email = ?, email_normalized = ?, is_verified = false, updated_at = now() where tenant_id = ? and id = ?",
        [input.email, normalizeEmail(input.email), tenantId, userId],
        "run",
      );
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
  });
  await accounts.sendVerification(em, tenant, userId, input.email);
}
