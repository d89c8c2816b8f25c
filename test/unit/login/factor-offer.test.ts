// Which possession and inherence steps the sign-in engine offers a tenant, as the Entra MFA form
// asks it: only steps the tenant enables and the engine can perform, never knowledge.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { possessionOrInherenceSteps, STEP_KIND } from "../../../src/domain/login/factor-offer.js";
import { decideSignIn, type FactorSettings } from "../../../src/domain/login/sign-in-policy.js";

const pinOnly: FactorSettings = { loginOrder: ["PIN"], is2fa: false, passkeyEnabled: false, useFaceRecognition: false, useLiveness: false };

describe("possessionOrInherenceSteps", () => {
  it("offers the passkey only where the tenant enables passkeys", () => {
    assert.deepEqual(possessionOrInherenceSteps(pinOnly), []);
    assert.deepEqual(possessionOrInherenceSteps({ ...pinOnly, passkeyEnabled: true }), ["passkey"]);
    assert.deepEqual(possessionOrInherenceSteps({ ...pinOnly, passkeyEnabled: true, is2fa: true }), ["passkey"]);
  });

  it("never offers knowledge: a PIN or pattern is not possession", () => {
    for (const settings of [pinOnly, { ...pinOnly, loginOrder: ["PIN", "PATTERN"], passkeyEnabled: true }]) {
      assert.ok(possessionOrInherenceSteps(settings).every((step) => STEP_KIND[step] !== "knowledge"));
    }
  });

  it("offers face where the tenant's sign-in uses face recognition (the engine performs it), after the passkey", () => {
    const face = { ...pinOnly, passkeyEnabled: true, useFaceRecognition: true };
    const decision = decideSignIn(face, { acrValues: [], maxAge: null, forceLogin: false }, []);
    assert.notEqual(decision.outcome, "unavailable", "the engine can perform the face step");
    assert.deepEqual(possessionOrInherenceSteps(face), ["passkey", "face"], "possession first");
    assert.deepEqual(possessionOrInherenceSteps({ ...pinOnly, useFaceRecognition: true }), ["face"]);
  });

  it("does not count liveness alone as the face factor (it names nobody)", () => {
    assert.ok(!possessionOrInherenceSteps({ ...pinOnly, passkeyEnabled: true, useLiveness: true }).includes("face"));
  });
});
