// svault.tenant.v1.TenantService.
import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantService } from "../../../gen/svault/tenant/v1/tenant_service_pb.js";
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from "../../domain/tenants/tenant-admin.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { Code, DomainError, invalidArgument } from "../../errors/domain-error.js";
import { principal, repositories, unitOfWork } from "../../rpc/context.js";
import { tenantMessage } from "./tenant-converters.js";

export interface TenantServiceDeps {
  readonly keys: TenantKeyStore;
  readonly defaultTenant: string;
}

export function tenantService({ keys, defaultTenant }: TenantServiceDeps): ServiceImpl<typeof TenantService> {
  return {
    async listTenants(_request, ctx) {
      const tenants = await listTenants(unitOfWork(ctx), principal(ctx));
      return { tenants: tenants.map(tenantMessage) };
    },
    async createTenant(request, ctx) {
      return { tenant: tenantMessage(await createTenant(unitOfWork(ctx), keys, request.tenantId, request)) };
    },
    async getTenant(request, ctx) {
      return { tenant: tenantMessage(await getTenant(repositories(ctx, request.tenantId))) };
    },
    async updateTenant(request, ctx) {
      const settings = request.settings ?? { loginOrder: [] };
      try {
        return { tenant: tenantMessage(await updateTenant(repositories(ctx, request.tenantId), settings)) };
      } catch (error) {
        // The settings rules name fields of the settings; in this request they sit under `settings`.
        if (error instanceof DomainError && error.code === Code.InvalidArgument && error.violations.length > 0) {
          throw invalidArgument(error.violations.map((v) => ({ ...v, path: ["settings", ...v.path] })));
        }
        throw error;
      }
    },
    async deleteTenant(request, ctx) {
      await deleteTenant(unitOfWork(ctx), request.tenantId, defaultTenant);
      return {};
    },
  };
}
