// The rules every user operation shares: a user that must exist, the role hierarchy, and the
// e-mail a tenant may require. Users are read through the user repository
// (src/persistence/repositories/user-repository.ts), which answers `UserRecord`s.
import { Code, DomainError, notFound, permissionDenied } from "../../errors/domain-error.js";
import type { UserRepository } from "../../persistence/repositories/user-repository.js";
import type { UserRecord } from "../../persistence/repositories/user-rows.js";
import type { Principal } from "../auth/permissions.js";

export function userNotFound(userId: string): DomainError {
  return notFound("USER_NOT_FOUND", `User ${userId} not found`);
}

/** The user `userId` of the repository's tenant (its row locked for an update with `lock`), or USER_NOT_FOUND. */
export async function requireUser(users: UserRepository, userId: string, options: { readonly lock?: boolean } = {}): Promise<UserRecord> {
  const user = await users.find(userId, options);
  if (!user) throw userNotFound(userId);
  return user;
}

export const ADMIN_ROLES = ["super_admin", "tenant_admin"] as const;

/**
 * The role hierarchy: only a super admin grants or removes `super_admin`, and only a super admin
 * changes or deletes a super admin. `current` is the user as it is (undefined: a new user),
 * `next` the roles the user would have (undefined: deletion).
 */
export function assertMayManage(
  caller: Principal,
  current: { readonly roles: readonly string[] } | undefined,
  next: readonly string[] | undefined,
): void {
  if (caller.role === "super_admin") return;
  if (current?.roles.includes("super_admin")) {
    throw permissionDenied("Only a super admin may change or delete a super admin");
  }
  if (next?.includes("super_admin")) throw permissionDenied("Only a super admin may grant super_admin");
}

export function emailRequired(): DomainError {
  return new DomainError(Code.InvalidArgument, "INVALID_ARGUMENT", "email: Field required", {
    violations: [{ path: ["email"], message: "Field required", type: "missing" }],
  });
}
