// Managing passkeys: a user's own (operations #49–51) and, for a tenant's administrators, any
// user's (beyond the reference: a lost or compromised device). Deleting a passkey ends its use at
// once: the next sign-in with it finds no credential.
import type { PasskeyRecord } from "../../persistence/repositories/passkey-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Principal } from "../auth/permissions.js";
import { assertMayManage, requireUser } from "../users/user-record.js";
import { lastRequiredFactor, passkeyNotFound } from "./passkey-errors.js";

export function listOwnPasskeys(repos: TenantRepositories, caller: Pick<Principal, "userId">): Promise<PasskeyRecord[]> {
  return repos.passkeys.listOfUser(caller.userId);
}

export async function renameOwnPasskey(
  repos: TenantRepositories,
  caller: Pick<Principal, "userId">,
  passkeyId: string,
  name: string,
): Promise<void> {
  if (!(await repos.passkeys.rename(passkeyId, name.trim(), caller.userId))) throw passkeyNotFound();
}

/**
 * A person may not remove the last factor they need to sign in: the last passkey on a 2FA tenant
 * (the PIN/pattern alone no longer signs in there), or the last passkey of an account without a
 * PIN/pattern. The user's row is locked first, so that two removals at once cannot both pass.
 * An administrator's removal (deletePasskeyOfUser) is not bound by this: a lost device must go.
 */
export async function deleteOwnPasskey(repos: TenantRepositories, caller: Pick<Principal, "userId">, passkeyId: string): Promise<void> {
  await repos.transactional(async (tx) => {
    await requireUser(tx.users, caller.userId, { lock: true });
    if (!(await tx.passkeys.delete(passkeyId, caller.userId))) throw passkeyNotFound();
    const left = await tx.passkeys.factorsOfUser(caller.userId);
    if (left && left.passkeys === 0 && (left.is2fa || !left.hasSecret)) throw lastRequiredFactor(left.is2fa);
  });
}

export async function listPasskeysOfUser(repos: TenantRepositories, userId: string): Promise<PasskeyRecord[]> {
  await requireUser(repos.users, userId);
  return repos.passkeys.listOfUser(userId);
}

/** Under the role hierarchy: only a super admin deletes a super admin's passkeys. */
export async function deletePasskeyOfUser(repos: TenantRepositories, caller: Principal, userId: string, passkeyId: string): Promise<void> {
  assertMayManage(caller, await requireUser(repos.users, userId), undefined);
  if (!(await repos.passkeys.delete(passkeyId, userId))) throw passkeyNotFound();
}
