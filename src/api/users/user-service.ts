// svault.user.v1.UserService: user administration (a tenant's admins) and what a signed-in user
// manages of their own (`/users/me`, own API keys, own e-mail address).
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { createApiKey, deleteApiKey, listApiKeys, regenerateApiKey } from "../../domain/apikeys/api-key-admin.js";
import type { AccountFlows } from "../../domain/login/account-flows.js";
import type { Logout } from "../../domain/oidc/logout.js";
import { deleteOwnPasskey, listOwnPasskeys, renameOwnPasskey } from "../../domain/passkeys/passkey-admin.js";
import { updateEmail } from "../../domain/users/email-change.js";
import { createUser, deleteUser, updateUser } from "../../domain/users/user-admin.js";
import { batchCreateUsers, batchDeleteUsers } from "../../domain/users/user-batch.js";
import { getCurrentUser, getUser, getUserByName, listUsers } from "../../domain/users/user-queries.js";
import { listUserSessions, revokeUserSessions } from "../../domain/users/user-sessions.js";
import { CrossTenantUserLookup } from "../../persistence/repositories/cross-tenant-user-lookup.js";
import { principal, repositories, requestLogger, unitOfWork } from "../../rpc/context.js";
import { apiKeyMessage, apiKeyWithSecretMessage } from "../apikeys/api-key-converters.js";
import { sessionMessage } from "../auth/session-converters.js";
import { passkeyMessage } from "../passkeys/passkey-converters.js";
import { batchUserRowOf, newUserInputOf, userInputOf, userMessage } from "./user-converters.js";

export interface UserServiceDeps {
  readonly logout: Logout;
  readonly accounts: AccountFlows;
}

export function userService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async getCurrentUser(_request, ctx) {
      const lookup = new CrossTenantUserLookup(unitOfWork(ctx));
      return { user: userMessage(await getCurrentUser(lookup, principal(ctx).userId)) };
    },
    async listUsers(request, ctx) {
      const page = await listUsers(repositories(ctx, request.tenantId).users, {
        username: request.username,
        email: request.email,
        ...(request.limit !== undefined ? { limit: request.limit } : {}),
        ...(request.offset !== undefined ? { offset: request.offset } : {}),
        ...(request.sortDirection !== undefined ? { sortDirection: request.sortDirection } : {}),
        ...(request.sortBy !== undefined ? { sortBy: request.sortBy } : {}),
      });
      return { data: page.data.map(userMessage), hasNext: page.hasNext, totalCount: page.totalCount };
    },
    async getUserByName(request, ctx) {
      return { user: userMessage(await getUserByName(repositories(ctx, request.tenantId).users, request.username)) };
    },
    async getUser(request, ctx) {
      return { user: userMessage(await getUser(repositories(ctx, request.tenantId).users, request.userId)) };
    },
    async updateUser(request, ctx) {
      const user = await updateUser(deps, repositories(ctx, request.tenantId), principal(ctx), request.userId, userInputOf(request));
      return { user: userMessage(user) };
    },
    async deleteUser(request, ctx) {
      await deleteUser(deps, repositories(ctx, request.tenantId), principal(ctx), request.userId);
      return {};
    },
    async createUser(request, ctx) {
      return { user: userMessage(await createUser(repositories(ctx, request.tenantId), principal(ctx), newUserInputOf(request))) };
    },
    async batchCreateUser(request, ctx) {
      return batchCreateUsers(repositories(ctx, request.tenantId), principal(ctx), request.users.map(batchUserRowOf));
    },
    async batchDeleteUser(request, ctx) {
      await batchDeleteUsers(deps, repositories(ctx, request.tenantId), principal(ctx), request.usersIds);
      return {};
    },
    async updateEmail(request, ctx) {
      await updateEmail(repositories(ctx, request.tenantId), deps.accounts, principal(ctx), request.userId, request);
      return {};
    },
    async createUserKey(request, ctx) {
      const created = await createApiKey(unitOfWork(ctx), principal(ctx), request.tenantId, request.name, request.scopes);
      return { key: apiKeyWithSecretMessage(created) };
    },
    async listUserKeys(_request, ctx) {
      const keys = await listApiKeys(unitOfWork(ctx), principal(ctx), "own");
      return { apiKeys: keys.map((key) => apiKeyMessage(key)) };
    },
    async deleteUserKey(request, ctx) {
      await deleteApiKey(unitOfWork(ctx), principal(ctx), "own", request.keyId);
      return {};
    },
    async regenerateUserKey(request, ctx) {
      return { key: apiKeyWithSecretMessage(await regenerateApiKey(unitOfWork(ctx), principal(ctx), "own", request.keyId)) };
    },
    async listUserPasskeys(_request, ctx) {
      const caller = principal(ctx);
      return { passkeys: (await listOwnPasskeys(repositories(ctx, caller.tenantId), caller)).map(passkeyMessage) };
    },
    async deleteUserPasskey(request, ctx) {
      const caller = principal(ctx);
      await deleteOwnPasskey(repositories(ctx, caller.tenantId), caller, request.keyId);
      return {};
    },
    async updateUserPasskey(request, ctx) {
      const caller = principal(ctx);
      await renameOwnPasskey(repositories(ctx, caller.tenantId), caller, request.keyId, request.name);
      return {};
    },
    async listUserSessions(request, ctx) {
      const sessions = await listUserSessions(repositories(ctx, request.tenantId), request.userId);
      const callerSession = principal(ctx).sessionId;
      return { sessions: sessions.map((session) => sessionMessage(session, callerSession)), total: sessions.length };
    },
    async revokeUserSessions(request, ctx) {
      const sessionIds = await revokeUserSessions(
        deps,
        repositories(ctx, request.tenantId),
        requestLogger(ctx),
        principal(ctx),
        request.userId,
        request.sessionId,
      );
      return { sessionIds };
    },
  };
}
