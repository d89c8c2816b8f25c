// A tenant's settings without server or database: defaults, the login order that must list
// exactly the enabled factors (kept or derived when a factor is switched), the throttle's
// thresholds, and partial updates that keep what they do not name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_BLOCK_CONFIG, resolveTenantSettings, type TenantSettingsInput } from "../../../src/domain/tenants/tenant-settings.js";
import { DomainError } from "../../../src/errors/domain-error.js";

const input = (extra: Partial<TenantSettingsInput> = {}): TenantSettingsInput => ({ loginOrder: [], ...extra });

function violatedPaths(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.violations.map((v) => v.path.join("."));
    throw error;
  }
  return [];
}

describe("tenant settings", () => {
  it("defaults: both factors in their order, the default throttle", () => {
    const settings = resolveTenantSettings(input());
    assert.deepEqual(settings.loginOrder, ["PIN", "PATTERN"]);
    assert.deepEqual(settings.blockConfig, DEFAULT_BLOCK_CONFIG);
  });

  it("the login order lists exactly the enabled factors; switching one off derives it, and back on keeps a custom order", () => {
    const custom = resolveTenantSettings(input({ loginOrder: ["PATTERN", "PIN"] }));
    const pinOnly = resolveTenantSettings(input({ usePattern: false }), custom);
    assert.deepEqual(pinOnly.loginOrder, ["PIN"]);
    assert.deepEqual(resolveTenantSettings(input(), custom).loginOrder, ["PATTERN", "PIN"], "an update without an order keeps it");
    assert.deepEqual(
      violatedPaths(() => resolveTenantSettings(input({ usePattern: false, loginOrder: ["PIN", "PATTERN"] }))),
      ["login_order"],
    );
    assert.deepEqual(
      violatedPaths(() => resolveTenantSettings(input({ usePin: false, usePattern: false }))),
      ["use_pin"],
    );
  });

  it("the free attempts must stay below the block threshold; block_config members merge", () => {
    const merged = resolveTenantSettings(input({ blockConfig: { userBlockAfter: 20 } }));
    assert.equal(merged.blockConfig.user_block_after, 20);
    assert.equal(merged.blockConfig.user_free_attempts, DEFAULT_BLOCK_CONFIG.user_free_attempts);
    assert.deepEqual(
      violatedPaths(() => resolveTenantSettings(input({ blockConfig: { userFreeAttempts: 10, userBlockAfter: 10 } }))),
      ["block_config.user_free_attempts"],
    );
  });
});
