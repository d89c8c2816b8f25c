// A tenant's settings with their documented defaults, and the rules that tie fields together.
import type { BlockConfig, LivenessConfig } from "../../persistence/entities/tenant.js";
import { type FieldViolation, invalidArgument } from "../../errors/domain-error.js";

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
}

interface BlockConfigInput {
  userFreeAttempts?: number;
  userBlockAfter?: number;
  ipBlockAfter?: number;
  windowSeconds?: number;
  blockSeconds?: number;
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
  livenessConfig?: { provider: string; threshold: number };
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
    livenessConfig: input.livenessConfig
      ? { provider: input.livenessConfig.provider, threshold: input.livenessConfig.threshold }
      : base.livenessConfig,
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
  if (state.blockConfig.user_free_attempts >= state.blockConfig.user_block_after) {
    violations.push({
      path: ["block_config", "user_free_attempts"],
      message: "user_free_attempts must be less than user_block_after",
      type: "value_error",
    });
  }
  return violations;
}
