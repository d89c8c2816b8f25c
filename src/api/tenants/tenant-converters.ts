import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { TenantSchema } from "../../../gen/svault/tenant/v1/tenant_pb.js";
import type { Tenant } from "../../persistence/entities/tenant.js";

export function tenantMessage(tenant: Tenant): MessageInitShape<typeof TenantSchema> {
  const block = tenant.blockConfig;
  return {
    tenantId: tenant.id,
    registerEnable: tenant.registerEnable,
    is2fa: tenant.is2fa,
    usePin: tenant.usePin,
    pinSize: tenant.pinSize,
    usePattern: tenant.usePattern,
    patterSize: tenant.patterSize,
    useFaceRecognition: tenant.useFaceRecognition,
    useLiveness: tenant.useLiveness,
    displayName: tenant.displayName,
    showPinWhenTyping: tenant.showPinWhenTyping,
    blockConfig: {
      userFreeAttempts: block.user_free_attempts,
      userBlockAfter: block.user_block_after,
      ipBlockAfter: block.ip_block_after,
      windowSeconds: block.window_seconds,
      blockSeconds: block.block_seconds,
    },
    loginOrder: tenant.loginOrder,
    passkeyEnabled: tenant.passkeyEnabled,
    hasUsernameAndEmail: tenant.hasUsernameAndEmail,
    ...(tenant.livenessConfig ? { livenessConfig: tenant.livenessConfig } : {}),
    createdAt: timestampFromDate(tenant.createdAt),
    updatedAt: timestampFromDate(tenant.updatedAt),
  };
}
