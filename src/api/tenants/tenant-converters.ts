import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { LivenessConfigSchema, TenantSchema } from "../../../gen/svault/tenant/v1/tenant_pb.js";
import { livenessConfigOfStored } from "../../biometrics/liveness-config.js";
import type { LivenessConfig, Tenant } from "../../persistence/entities/tenant.js";

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
    ...(tenant.livenessConfig ? { livenessConfig: livenessConfigMessage(tenant.livenessConfig) } : {}),
    logoUri: tenant.logoUri,
    primaryColor: tenant.primaryColor,
    backgroundColor: tenant.backgroundColor,
    supportUri: tenant.supportUri,
    privacyPolicyUri: tenant.privacyPolicyUri,
    termsOfServiceUri: tenant.termsOfServiceUri,
    defaultLocale: tenant.defaultLocale,
    protoVersion: tenant.protoVersion,
    requirePushedAuthorizationRequests: tenant.requirePushedAuthorizationRequests,
    createdAt: timestampFromDate(tenant.createdAt),
    updatedAt: timestampFromDate(tenant.updatedAt),
  };
}

/** The stored `liveness_config` (snake_case JSON) as the message; the face-step fields resolved over their defaults. */
function livenessConfigMessage(stored: LivenessConfig): MessageInitShape<typeof LivenessConfigSchema> {
  const config = livenessConfigOfStored(stored);
  return {
    provider: stored.provider ?? "",
    threshold: stored.threshold ?? 0,
    matchThreshold: config.match_threshold,
    minTurnDegrees: config.min_turn_degrees,
    maxStartYawDegrees: config.max_start_yaw_degrees,
    frameCount: config.frame_count,
    challengeTimeoutSeconds: config.challenge_timeout_seconds,
    maxAttempts: config.max_attempts,
  };
}
