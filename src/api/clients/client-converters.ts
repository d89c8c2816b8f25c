import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ClientSchema } from "../../../gen/svault/client/v1/client_pb.js";
import type { ClientWithSecret } from "../../domain/clients/client-admin.js";
import type { Client } from "../../persistence/entities/client.js";

/** Optional string fields: unset (REST: `null`) rather than empty when the client has none. */
function optional<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return (value == null ? {} : { [key]: value }) as { [P in K]?: string };
}

export function clientMessage(client: Client, secret?: string): MessageInitShape<typeof ClientSchema> {
  return {
    clientId: client.clientId,
    name: client.name,
    tenantId: client.tenant,
    redirectUris: client.redirectUris,
    postLogoutRedirectUri: client.postLogoutRedirectUri,
    allowedScopes: client.allowedScopes,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    ...optional("logoUri", client.logoUri),
    ...optional("opPolicyUrl", client.opPolicyUrl),
    ...optional("opTosUrl", client.opTosUrl),
    ...optional("opUserAgreementUrl", client.opUserAgreementUrl),
    ...optional("clientUri", client.clientUri),
    ...optional("clientLogoutUri", client.clientLogoutUri),
    registerEnable: client.registerEnable,
    ...optional("tenantName", client.tenantName),
    ...optional("clientSecret", secret),
    clientType: client.clientType,
    isLock: client.isLock,
    singAlg: client.singAlg,
    flow: {
      grantTypes: [...client.flow.grant_types],
      accessTokenTtlSeconds: client.flow.access_token_ttl_seconds,
      refreshTokenTtlSeconds: client.flow.refresh_token_ttl_seconds,
      idTokenTtlSeconds: client.flow.id_token_ttl_seconds,
    },
    ...optional("primaryColor", client.primaryColor),
    ...optional("backgroundColor", client.backgroundColor),
    ...optional("supportUri", client.supportUri),
    ...(client.jwks ? { jwks: client.jwks as JsonObject } : {}),
    ...optional("jwksUri", client.jwksUri),
    ...optional("requestObjectSigningAlg", client.requestObjectSigningAlg),
    requirePushedAuthorizationRequests: client.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: client.dpopBoundAccessTokens,
    createdAt: timestampFromDate(client.createdAt),
    updatedAt: timestampFromDate(client.updatedAt),
  };
}

export function clientWithSecretMessage({ client, secret }: ClientWithSecret): MessageInitShape<typeof ClientSchema> {
  return clientMessage(client, secret);
}
