// svault.oidc.v1.OidcService.
import type { JsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { entityManager } from "../../rpc/context.js";

export interface OidcServiceDeps {
  readonly keys: TenantKeyStore;
}

export function oidcService({ keys }: OidcServiceDeps): ServiceImpl<typeof OidcService> {
  return {
    async getJwks(request, ctx) {
      const em = entityManager(ctx);
      await getTenant(em, request.tenantId);
      const jwks = await keys.publishedJwks(scopeToTenant(em, request.tenantId));
      // Shorter than the key publish lead, so relying parties learn a new key before it signs.
      ctx.responseHeader.set("cache-control", "public, max-age=300");
      return { keys: jwks as JsonObject[] };
    },
  };
}
