// svault.apikey.v1.ApiKeyService: the keys of a tenant, for its administrators.
import type { ServiceImpl } from "@connectrpc/connect";
import type { ApiKeyService } from "../../../gen/svault/apikey/v1/api_key_service_pb.js";
import { createApiKey, deleteApiKey, grantableScopes, listApiKeys, regenerateApiKey } from "../../domain/apikeys/api-key-admin.js";
import { principal, unitOfWork } from "../../rpc/context.js";
import { apiKeyMessage, apiKeyWithSecretMessage } from "./api-key-converters.js";

export function apiKeyService(): ServiceImpl<typeof ApiKeyService> {
  return {
    async createApiKey(request, ctx) {
      const created = await createApiKey(unitOfWork(ctx), principal(ctx), request.tenantId, request.name, request.scopes);
      return { key: apiKeyWithSecretMessage(created) };
    },
    async listApiKeys(request, ctx) {
      const keys = await listApiKeys(unitOfWork(ctx), principal(ctx), "tenant", request.tenantId);
      return { apiKeys: keys.map((key) => apiKeyMessage(key)) };
    },
    async deleteApiKey(request, ctx) {
      await deleteApiKey(unitOfWork(ctx), principal(ctx), "tenant", request.keyId);
      return {};
    },
    async regenerateApiKey(request, ctx) {
      return { key: apiKeyWithSecretMessage(await regenerateApiKey(unitOfWork(ctx), principal(ctx), "tenant", request.keyId)) };
    },
    async getApiKeyScopes(_request, ctx) {
      return grantableScopes(unitOfWork(ctx), principal(ctx));
    },
  };
}
