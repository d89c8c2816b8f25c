// svault.user.v1.UserService: what a signed-in user manages of their own (API keys so far).
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { createApiKey, deleteApiKey, listApiKeys, regenerateApiKey } from "../../domain/apikeys/api-key-admin.js";
import { entityManager, principal } from "../../rpc/context.js";
import { apiKeyMessage, apiKeyWithSecretMessage } from "../apikeys/api-key-converters.js";

export function userService(): ServiceImpl<typeof UserService> {
  return {
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
