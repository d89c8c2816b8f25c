// A tenant's settings with their documented defaults, and the rules that tie fields together.
import type { BlockConfig, LivenessConfig } from "../../persistence/entities/tenant.js";
import { type FieldViolation, invalidArgument } from "../../errors/domain-error.js";
import { livenessConfigOfStored, resolveLivenessConfig } from "../../biometrics/liveness-config.js";
import { isSupportedLocale } from "../../i18n/locales.js";
import { PROTO_VERSION_DEFAULT, isSupportedProtoVersion } from "../../sdk/proto-version.js";
import { brandingViolations } from "../branding/brand-rules.js";
import { offersSecondFactor } from "../login/sign-in-policy.js";

export const DEFAULT_BLOCK_CONFIG: BlockConfig = Object.freeze({
  user_free_attempts: 5,
  user_block_after: 10,
  ip_block_after: 50,
  window_seconds: 900,
  block_seconds: 900,
});

/** Every setting of a tenant, complete. */
export interface TenantSettingsState {
  registerEnable: boolean;
  is2fa: boolean;
  usePin: boolean;
  pinSize: number;
  usePattern: boolean;
  patterSize: number;
  useFaceRecognition: boolean;
  useLiveness: boolean;
  displayName: string;
  showPinWhenTyping: boolean;
  blockConfig: BlockConfig;
  loginOrder: string[];
  passkeyEnabled: boolean;
  hasUsernameAndEmail: boolean;
  livenessConfig: LivenessConfig | null;
  logoUri: string;
  primaryColor: string;
  backgroundColor: string;
  supportUri: string;
  privacyPolicyUri: string;
  termsOfServiceUri: string;
  defaultLocale: string;
  protoVersion: string;
  /** RFC 9126 §6 for every client of the tenant. */
  requirePushedAuthorizationRequests: boolean;
}

/** The hosted pages' branding, language and key stretching ("" removes a link or a colour). */
const PAGE_SETTINGS = [
  "logoUri",
  "primaryColor",
  "backgroundColor",
  "supportUri",
  "privacyPolicyUri",
  "termsOfServiceUri",
  "defaultLocale",
  "protoVersion",
] as const;
type PageSettings = Pick<TenantSettingsState, (typeof PAGE_SETTINGS)[number]>;

interface BlockConfigInput {
  userFreeAttempts?: number;
  userBlockAfter?: number;
  ipBlockAfter?: number;
  windowSeconds?: number;
  blockSeconds?: number;
}

/** `liveness_config` as a request carries it (the proto message's fields; unset ones keep their value). */
export interface LivenessConfigMessage {
  provider: string;
  threshold: number;
  matchThreshold?: number;
  minTurnDegrees?: number;
  maxStartYawDegrees?: number;
  frameCount?: number;
  challengeTimeoutSeconds?: number;
  maxAttempts?: number;
}

/**
 * The stored `liveness_config` after applying `input` to `current`: every face-step field resolved
 * (defaults for the unset ones) and checked against its bounds (InvalidArgument naming
 * `liveness_config.<field>`); the reference's `provider` and `threshold` kept as given.
 */
export function resolveStoredLivenessConfig(
  input: LivenessConfigMessage | undefined,
  current: LivenessConfig | null,
): LivenessConfig | null {
  if (!input) return current;
  const face = resolveLivenessConfig(
    {
      ...(input.matchThreshold !== undefined ? { match_threshold: input.matchThreshold } : {}),
      ...(input.minTurnDegrees !== undefined ? { min_turn_degrees: input.minTurnDegrees } : {}),
      ...(input.maxStartYawDegrees !== undefined ? { max_start_yaw_degrees: input.maxStartYawDegrees } : {}),
      ...(input.frameCount !== undefined ? { frame_count: input.frameCount } : {}),
      ...(input.challengeTimeoutSeconds !== undefined ? { challenge_timeout_seconds: input.challengeTimeoutSeconds } : {}),
      ...(input.maxAttempts !== undefined ? { max_attempts: input.maxAttempts } : {}),
    },
    livenessConfigOfStored(current),
  );
  return { provider: input.provider, threshold: input.threshold, ...face };
}

/** What a create or update request carries: unset fields take a default or keep their value. */
export interface TenantSettingsInput {
  registerEnable?: boolean;
  is2fa?: boolean;
  usePin?: boolean;
  pinSize?: number;
  usePattern?: boolean;
  patterSize?: number;
  useFaceRecognition?: boolean;
  useLiveness?: boolean;
  displayName?: string;
  showPinWhenTyping?: boolean;
  blockConfig?: BlockConfigInput;
  loginOrder: string[];
  passkeyEnabled?: boolean;
  hasUsernameAndEmail?: boolean;
  livenessConfig?: LivenessConfigMessage;
  logoUri?: string;
  primaryColor?: string;
  backgroundColor?: string;
  supportUri?: string;
  privacyPolicyUri?: string;
  termsOfServiceUri?: string;
  defaultLocale?: string;
  protoVersion?: string;
  requirePushedAuthorizationRequests?: boolean;
}

const DEFAULTS: Omit<TenantSettingsState, "loginOrder"> = {
  registerEnable: false,
  is2fa: false,
  usePin: true,
  pinSize: 6,
  usePattern: true,
  patterSize: 3,
  useFaceRecognition: false,
  useLiveness: false,
  displayName: "",
  showPinWhenTyping: true,
  blockConfig: DEFAULT_BLOCK_CONFIG,
  passkeyEnabled: false,
  hasUsernameAndEmail: true,
  livenessConfig: null,
  logoUri: "",
  primaryColor: "",
  backgroundColor: "",
  supportUri: "",
  privacyPolicyUri: "",
  termsOfServiceUri: "",
  defaultLocale: "en",
  protoVersion: PROTO_VERSION_DEFAULT,
  requirePushedAuthorizationRequests: false,
};

function mergeBlockConfig(base: BlockConfig, input: BlockConfigInput | undefined): BlockConfig {
  return {
    user_free_attempts: input?.userFreeAttempts ?? base.user_free_attempts,
    user_block_after: input?.userBlockAfter ?? base.user_block_after,
    ip_block_after: input?.ipBlockAfter ?? base.ip_block_after,
    window_seconds: input?.windowSeconds ?? base.window_seconds,
    block_seconds: input?.blockSeconds ?? base.block_seconds,
  };
}

/**
 * The complete settings after applying `input` to `current` (or to the defaults, at creation).
 * Throws InvalidArgument when the result is inconsistent.
 */
export function resolveTenantSettings(input: TenantSettingsInput, current?: TenantSettingsState): TenantSettingsState {
  const base = current ?? { ...DEFAULTS, loginOrder: [] };
  const state: TenantSettingsState = {
    registerEnable: input.registerEnable ?? base.registerEnable,
    is2fa: input.is2fa ?? base.is2fa,
    usePin: input.usePin ?? base.usePin,
    pinSize: input.pinSize ?? base.pinSize,
    usePattern: input.usePattern ?? base.usePattern,
    patterSize: input.patterSize ?? base.patterSize,
    useFaceRecognition: input.useFaceRecognition ?? base.useFaceRecognition,
    useLiveness: input.useLiveness ?? base.useLiveness,
    displayName: input.displayName ?? base.displayName,
    showPinWhenTyping: input.showPinWhenTyping ?? base.showPinWhenTyping,
    blockConfig: mergeBlockConfig(base.blockConfig, input.blockConfig),
    loginOrder: input.loginOrder.length > 0 ? [...input.loginOrder] : [],
    passkeyEnabled: input.passkeyEnabled ?? base.passkeyEnabled,
    hasUsernameAndEmail: input.hasUsernameAndEmail ?? base.hasUsernameAndEmail,
    livenessConfig: resolveStoredLivenessConfig(input.livenessConfig, base.livenessConfig),
    requirePushedAuthorizationRequests: input.requirePushedAuthorizationRequests ?? base.requirePushedAuthorizationRequests,
    ...(Object.fromEntries(PAGE_SETTINGS.map((name) => [name, input[name] ?? base[name]])) as PageSettings),
  };
  const enabled = [...(state.usePin ? ["PIN"] : []), ...(state.usePattern ? ["PATTERN"] : [])];
  if (state.loginOrder.length === 0) {
    // Keep the current order when it still fits the enabled factors; else derive it.
    const kept = base.loginOrder.filter((factor) => enabled.includes(factor));
    state.loginOrder = kept.length === enabled.length ? kept : enabled;
  }
  const violations = settingsViolations(state, enabled);
  if (violations.length > 0) throw invalidArgument(violations);
  return state;
}

function settingsViolations(state: TenantSettingsState, enabled: string[]): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!state.usePin && !state.usePattern) {
    violations.push({ path: ["use_pin"], message: "At least one of use_pin and use_pattern must be enabled", type: "value_error" });
  }
  const sameFactors = state.loginOrder.length === enabled.length && state.loginOrder.every((f) => enabled.includes(f));
  if (!sameFactors) {
    violations.push({
      path: ["login_order"],
      message: `login_order must list exactly the enabled factors (${enabled.join(", ") || "none"})`,
      type: "value_error",
    });
  }
  if (state.is2fa && !offersSecondFactor(state)) {
    // Without one, every sign-in would stop after the PIN/pattern at a step nobody can complete.
    violations.push({
      path: ["is_2fa"],
      message: "is_2fa needs a second factor the tenant offers: enable passkey_enabled (or use_face_recognition)",
      type: "value_error",
    });
  }
  if (state.blockConfig.user_free_attempts >= state.blockConfig.user_block_after) {
    violations.push({
      path: ["block_config", "user_free_attempts"],
      message: "user_free_attempts must be less than user_block_after",
      type: "value_error",
    });
  }
  violations.push(...pageSettingsViolations(state));
  return violations;
}

function pageSettingsViolations(state: TenantSettingsState): FieldViolation[] {
  const violations = brandingViolations({
    primaryColor: state.primaryColor,
    backgroundColor: state.backgroundColor,
    uris: {
      logo_uri: state.logoUri,
      support_uri: state.supportUri,
      privacy_policy_uri: state.privacyPolicyUri,
      terms_of_service_uri: state.termsOfServiceUri,
    },
  });
  if (!isSupportedLocale(state.defaultLocale)) {
    violations.push({ path: ["default_locale"], message: "default_locale must be one of en, de, fr, es, ja, ar", type: "value_error" });
  }
  if (!isSupportedProtoVersion(state.protoVersion)) {
    violations.push({ path: ["proto_version"], message: "proto_version must be a supported suite", type: "value_error" });
  }
  return violations;
}
