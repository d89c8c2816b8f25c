// svault.auth.v1.AuthService: the public information the hosted login page reads.
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { type AuthService, GetClientTenantResponseSchema } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import { findClientAndTenant, signForTenant } from "../../domain/clients/public-info.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { entityManager } from "../../rpc/context.js";
import { restJson } from "../../transcoding/response-encoder.js";
import { publicClientMessage, publicTenantMessage } from "./public-info-converters.js";

export interface AuthServiceDeps {
  readonly keys: TenantKeyStore;
  readonly defaultTenant: string;
  readonly issuerOf: (tenantId: string) => string;
}

export function authService({ keys, defaultTenant, issuerOf }: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const clientTenant = async (request: { tenantId: string; clientId: string }, ctx: HandlerContext) => {
    const found = await findClientAndTenant(entityManager(ctx), request.tenantId || defaultTenant, request.clientId);
    return create(GetClientTenantResponseSchema, { client: publicClientMessage(found), tenant: publicTenantMessage(found) });
  };
  return {
    async getClient(request, ctx) {
      return { client: (await clientTenant(request, ctx)).client };
    },
    getClientTenant: clientTenant,
    async getClientTenantSigned(request, ctx) {
      const answer = await clientTenant(request, ctx);
      const tenantId = answer.tenant?.tenantId ?? defaultTenant;
      // The payload is exactly Get Client Tenant's REST body.
      const payload = restJson(GetClientTenantResponseSchema, answer) as Record<string, unknown>;
      return { data: await signForTenant(entityManager(ctx), keys, tenantId, issuerOf(tenantId), payload, "client-tenant+jwt") };
    },
  };
}
