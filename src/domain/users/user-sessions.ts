// An administrator's view of a user's sessions (UserService, beyond the reference): listing them,
// and ending one or all of them through Logout, as every other end of a session (the caller's own
// logout, disabling or deleting the user): token families revoked, back-channel logout sent.
import { notFound } from "../../errors/domain-error.js";
import type { Logger } from "../../logging/logger.js";
import type { Session } from "../../persistence/entities/oidc.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Principal } from "../auth/permissions.js";
import { listSessions } from "../oidc/sessions.js";
import type { UserAdminDeps } from "./user-admin.js";
import { assertMayManage, requireUser } from "./user-record.js";

export async function listUserSessions(repos: TenantRepositories, userId: string): Promise<Session[]> {
  await requireUser(repos.users, userId);
  return listSessions(repos.sessions, userId);
}

/**
 * Ends the user's session `sessionId` (404 unless it is one of their active sessions), or all of
 * their sessions when it is empty; returns the ids of the sessions that ended. Under the role
 * hierarchy: only a super admin ends a super admin's sessions.
 */
export async function revokeUserSessions(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  logger: Logger,
  caller: Principal,
  userId: string,
  sessionId: string,
): Promise<string[]> {
  const { tenantId } = repos;
  assertMayManage(caller, await requireUser(repos.users, userId), undefined);
  const ended = await deps.logout.end(repos, sessionId ? { ids: [sessionId], userId } : { userId });
  if (sessionId && ended.length === 0) throw notFound("SESSION_NOT_FOUND", `Session ${sessionId} not found`);
  const sessionIds = ended.map((session) => session.id);
  logger.info(
    { tenantId, userId, sessionIds, by: { userId: caller.userId, ...(caller.apiKeyId ? { apiKeyId: caller.apiKeyId } : {}) } },
    "user sessions ended by an administrator",
  );
  return sessionIds;
}
