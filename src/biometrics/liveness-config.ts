// A tenant's `liveness_config`: what the face liveness check and the face match demand. Stored
// with the tenant's settings (snake_case, like `block_config`); unset fields take the defaults
// below, which docs/face-liveness.md justifies with the figures they were chosen from.
import { type FieldViolation, invalidArgument } from "../errors/domain-error.js";

export interface LivenessConfig {
  /**
   * Largest face-embedding distance (Euclidean, 128-d) still taken for the same person: between
   * the first and last frames of a liveness clip, and between a frame and the enrolled template.
   */
  readonly match_threshold: number;
  /** The head turn (yaw, degrees) the user must make in the requested direction. */
  readonly min_turn_degrees: number;
  /** How far from frontal (|yaw|, degrees) the first frame may be. */
  readonly max_start_yaw_degrees: number;
  /** Frames the page captures and uploads for one check. */
  readonly frame_count: number;
  /** How long a liveness challenge stays valid, from issue to upload. */
  readonly challenge_timeout_seconds: number;
  /** Failed checks per challenge series before the factor is refused for this sign-in. */
  readonly max_attempts: number;
}

export type LivenessConfigInput = Partial<LivenessConfig>;

/** The most frames one check may carry, whatever a tenant configures (it bounds the work). */
export const MAX_FRAME_COUNT = 32;

export const DEFAULT_LIVENESS_CONFIG: LivenessConfig = Object.freeze({
  match_threshold: 0.45,
  min_turn_degrees: 20,
  max_start_yaw_degrees: 15,
  frame_count: 16,
  challenge_timeout_seconds: 30,
  max_attempts: 3,
});

interface Bound {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

const BOUNDS: Readonly<Record<keyof LivenessConfig, Bound>> = {
  // Below 0.3 the same person hardly ever matches; above 0.7 different people routinely do.
  match_threshold: { min: 0.3, max: 0.7, integer: false },
  // 0 lets a still clip pass: for test tenants only (docs/face-liveness.md).
  min_turn_degrees: { min: 0, max: 45, integer: false },
  max_start_yaw_degrees: { min: 5, max: 30, integer: false },
  frame_count: { min: 4, max: MAX_FRAME_COUNT, integer: true },
  challenge_timeout_seconds: { min: 5, max: 30, integer: true },
  max_attempts: { min: 1, max: 10, integer: true },
};

/** What is wrong with `config`, each under `[...path, field]` (proto field names). */
export function livenessConfigViolations(config: LivenessConfig, path: readonly string[] = ["liveness_config"]): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [field, bound] of Object.entries(BOUNDS) as [keyof LivenessConfig, Bound][]) {
    const value = config[field];
    const valid = Number.isFinite(value) && (!bound.integer || Number.isInteger(value)) && value >= bound.min && value <= bound.max;
    if (!valid) {
      violations.push({
        path: [...path, field],
        message: `${field} must be ${bound.integer ? "an integer" : "a number"} from ${bound.min} to ${bound.max}`,
        type: "value_error",
      });
    }
  }
  return violations;
}

/**
 * The complete configuration after applying `input` to `base` (the tenant's current one, or the
 * defaults). Throws InvalidArgument, naming every invalid field, when the result is out of bounds.
 */
export function resolveLivenessConfig(
  input: LivenessConfigInput | undefined,
  base: LivenessConfig = DEFAULT_LIVENESS_CONFIG,
  path: readonly string[] = ["liveness_config"],
): LivenessConfig {
  const config: LivenessConfig = {
    match_threshold: input?.match_threshold ?? base.match_threshold,
    min_turn_degrees: input?.min_turn_degrees ?? base.min_turn_degrees,
    max_start_yaw_degrees: input?.max_start_yaw_degrees ?? base.max_start_yaw_degrees,
    frame_count: input?.frame_count ?? base.frame_count,
    challenge_timeout_seconds: input?.challenge_timeout_seconds ?? base.challenge_timeout_seconds,
    max_attempts: input?.max_attempts ?? base.max_attempts,
  };
  const violations = livenessConfigViolations(config, path);
  if (violations.length > 0) throw invalidArgument(violations);
  return config;
}

/**
 * The configuration a tenant's stored `liveness_config` JSON stands for: its known fields over the
 * defaults. A stored value that no longer passes the bounds (written by an older release) falls
 * back to the defaults field by field rather than failing every sign-in.
 */
export function livenessConfigOfStored(stored: unknown): LivenessConfig {
  const source = typeof stored === "object" && stored !== null ? (stored as Record<string, unknown>) : {};
  const config = { ...DEFAULT_LIVENESS_CONFIG } as Record<keyof LivenessConfig, number>;
  for (const field of Object.keys(BOUNDS) as (keyof LivenessConfig)[]) {
    const value = source[field];
    if (typeof value !== "number") continue;
    const candidate = { ...config, [field]: value } as LivenessConfig;
    if (!livenessConfigViolations(candidate).some((violation) => violation.path.at(-1) === field)) config[field] = value;
  }
  return config;
}
