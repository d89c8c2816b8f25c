// liveness_config: defaults, merging and validation as tenant settings will call it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DomainError } from "../../src/errors/domain-error.js";
import { DEFAULT_LIVENESS_CONFIG, resolveLivenessConfig } from "../../src/biometrics/liveness-config.js";

describe("liveness_config", () => {
  it("takes the defaults for unset fields and keeps the base's values", () => {
    assert.deepEqual(resolveLivenessConfig(undefined), DEFAULT_LIVENESS_CONFIG);
    assert.equal(DEFAULT_LIVENESS_CONFIG.min_turn_degrees, 20);
    const base = resolveLivenessConfig({ min_turn_degrees: 0, frame_count: 12 });
    assert.deepEqual(resolveLivenessConfig({ max_attempts: 5 }, base), {
      ...DEFAULT_LIVENESS_CONFIG,
      min_turn_degrees: 0,
      frame_count: 12,
      max_attempts: 5,
    });
  });

  it("names every field out of bounds, as an InvalidArgument with field paths", () => {
    assert.throws(
      () =>
        resolveLivenessConfig({
          match_threshold: 0.9,
          min_turn_degrees: -1,
          frame_count: 12.5,
          challenge_timeout_seconds: 60,
          max_attempts: 0,
          max_start_yaw_degrees: Number.NaN,
        }),
      (error: unknown) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.reason, "INVALID_ARGUMENT");
        assert.deepEqual(error.violations.map((v) => v.path.join(".")).sort(), [
          "liveness_config.challenge_timeout_seconds",
          "liveness_config.frame_count",
          "liveness_config.match_threshold",
          "liveness_config.max_attempts",
          "liveness_config.max_start_yaw_degrees",
          "liveness_config.min_turn_degrees",
        ]);
        return true;
      },
    );
    assert.throws(() => resolveLivenessConfig({ frame_count: 33 }), DomainError);
  });
});
