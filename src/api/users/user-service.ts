// svault.user.v1.UserService: user administration (a tenant's admins) and what a signed-in user
// manages of their own (`/users/me`, own API keys, own e-mail address).
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { createApiKey, deleteApiKey, listApiKeys, regenerateApiKey } from "../../domain/apikeys/api-key-admin.js";
import type { AccountFlows } from "../../domain/login/account-flows.js";
import type { Logout } from "../../domain/oidc/logout.js";
import { updateEmail } from "../../domain/users/email-change.js";
import { createUser, deleteUser, updateUser } from "../../domain/users/user-admin.js";
import { batchCreateUsers, batchDeleteUsers } from "../../domain/users/user-batch.js";
import { getCurrentUser, getUser, getUserByName, listUsers } from "../../domain/users/user-queries.js";
import { entityManager, principal } from "../../rpc/context.js";
import { apiKeyMessage, apiKeyWithSecretMessage } from "../apikeys/api-key-converters.js";
import { userInputOf, userMessage } from "./user-converters.js";

export interface UserServiceDeps {
  readonly logout: Logout;
  readonly accounts: AccountFlows;
}

export function userService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async getCurrentUser(_request, ctx) {
      return { user: userMessage(await getCurrentUser(entityManager(ctx), principal(ctx).userId)) };
    },
    async listUsers(request, ctx) {
      const page = await listUsers(entityManager(ctx), request.tenantId, {
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
      return { user: userMessage(await getUserByName(entityManager(ctx), request.tenantId, request.username)) };
    },
    async getUser(request, ctx) {
      return { user: userMessage(await getUser(entityManager(ctx), request.tenantId, request.userId)) };
    },
    async updateUser(request, ctx) {
      const user = await updateUser(deps, entityManager(ctx), principal(ctx), request.tenantId, request.userId, userInputOf(request));
      return { user: userMessage(user) };
    },
    async deleteUser(request, ctx) {
      await deleteUser(deps, entityManager(ctx), principal(ctx), request.tenantId, request.userId);
      return {};
    },
    async createUser(request, ctx) {
      return { user: userMessage(await createUser(entityManager(ctx), principal(ctx), request.tenantId, userInputOf(request))) };
    },
    async batchCreateUser(request, ctx) {
      return batchCreateUsers(entityManager(ctx), principal(ctx), request.tenantId, request.users.map(userInputOf));
    },
    async batchDeleteUser(request, ctx) {
      await batchDeleteUsers(deps, entityManager(ctx), principal(ctx), request.tenantId, request.usersIds);
      return {};
    },
    async updateEmail(request, ctx) {
      await updateEmail(entityManager(ctx), deps.accounts, principal(ctx), request.tenantId, request.userId, request);
      return {};
    },
    async createUserKey(request, ctx) {
      const created = await createApiKey(entityManager(ctx), principal(ctx), request.tenantId, request.name, request.scopes);
      return { key: apiKeyWithSecretMessage(created) };
    },
    async listUserKeys(_request, ctx) {
      const keys = await listApiKeys(entityManager(ctx), principal(ctx), "own");
      return { apiKeys: keys.map((key) => apiKeyMessage(key)) };
    },
    async deleteUserKey(request, ctx) {
      await deleteApiKey(entityManager(ctx), principal(ctx), "own", request.keyId);
      return {};
    },
    async regenerateUserKey(request, ctx) {
      return { key: apiKeyWithSecretMessage(await regenerateApiKey(entityManager(ctx), principal(ctx), "own", request.keyId)) };
    },
  };
}
