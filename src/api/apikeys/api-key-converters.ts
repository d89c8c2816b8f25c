import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ApiKeySchema } from "../../../gen/svault/apikey/v1/api_key_pb.js";
import { fingerprintOf } from "../../domain/auth/api-key-secret.js";
import type { ApiKeyWithSecret } from "../../domain/apikeys/api-key-admin.js";
import type { ApiKey } from "../../persistence/entities/api-key.js";

export function apiKeyMessage(key: ApiKey, secret?: string): MessageInitShape<typeof ApiKeySchema> {
  return {
    keyId: key.id,
    keyHash: fingerprintOf(key.secretHash),
    userId: key.user,
    tenantId: key.tenant,
    createdAt: timestampFromDate(key.createdAt),
    name: key.name,
    scopes: key.scopes,
    ...(key.lastUseAt ? { lastUseAt: timestampFromDate(key.lastUseAt) } : {}),
    isActive: key.isActive,
    ...(secret ? { apiKey: secret } : {}),
  };
}

export function apiKeyWithSecretMessage({ key, secret }: ApiKeyWithSecret): MessageInitShape<typeof ApiKeySchema> {
  return apiKeyMessage(key, secret);
}
