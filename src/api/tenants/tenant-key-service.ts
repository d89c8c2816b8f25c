// svault.tenant.v1.TenantKeyService: a tenant's keys and their rotation (beyond the reference).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantKeySchema, TenantKeyService } from "../../../gen/svault/tenant/v1/tenant_key_service_pb.js";
import type { TenantKeyAlg } from "../../crypto/tenant-keys.js";
import { listTenantKeys, rotateTenantKey } from "../../domain/tenants/tenant-key-admin.js";
import type { ScheduledKey, TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { principal, repositories, requestLogger } from "../../rpc/context.js";

export interface TenantKeyServiceDeps {
  readonly keys: TenantKeyStore;
}

function tenantKeyMessage(key: ScheduledKey): MessageInitShape<typeof TenantKeySchema> {
  return {
    kid: key.kid,
    alg: key.alg,
    use: key.use,
    state: key.state,
    publishAt: timestampFromDate(key.publishAt),
    activateAt: timestampFromDate(key.activateAt),
    ...(key.retireAt ? { retireAt: timestampFromDate(key.retireAt) } : {}),
  };
}

export function tenantKeyService({ keys }: TenantKeyServiceDeps): ServiceImpl<typeof TenantKeyService> {
  return {
    async listTenantKeys(request, ctx) {
      return { keys: (await listTenantKeys(repositories(ctx, request.tenantId), keys)).map(tenantKeyMessage) };
    },
    async rotateTenantKey(request, ctx) {
      // The validation interceptor has checked `alg` against the proto's `one_of`.
      const alg = request.alg as TenantKeyAlg;
      const rotated = await rotateTenantKey(repositories(ctx, request.tenantId), keys, requestLogger(ctx), principal(ctx), alg);
      return { key: tenantKeyMessage(rotated.key), replaced: rotated.replaced.map(tenantKeyMessage) };
    },
  };
}
