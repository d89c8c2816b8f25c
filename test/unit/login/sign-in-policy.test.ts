// The sign-in policy without a server or a database: which factors a tenant's settings and an
// authorization request require, what the union of passed factors yields (amr, acr), which step
// comes next, and when an existing session answers a request.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACR, acrOf, combinedAmr } from "../../../src/domain/login/factors.js";
import {
  type AuthenticationRequest,
  decideSignIn,
  type FactorSettings,
  requiredLevel,
  sessionSatisfies,
} from "../../../src/domain/login/sign-in-policy.js";

const oneFactor: FactorSettings = {
  loginOrder: ["PIN", "PATTERN"],
  is2fa: false,
  passkeyEnabled: false,
  useFaceRecognition: false,
  useLiveness: false,
};
const twoFactor: FactorSettings = { ...oneFactor, is2fa: true, passkeyEnabled: true };
const passwordless: FactorSettings = { ...oneFactor, passkeyEnabled: true };
const plain: AuthenticationRequest = { acrValues: [], maxAge: null, forceLogin: false };
const askFor2fa: AuthenticationRequest = { ...plain, acrValues: [ACR.twoFactor] };

const SECRET = ["pin", "pattern"];
const PASSKEY_UV = ["hwk", "user"];
const PASSKEY_NO_UV = ["swk"];

describe("factor vocabulary", () => {
  it("adds mfa exactly when two kinds of factor were used, in a stable order, never copied from a step", () => {
    assert.deepEqual(combinedAmr([SECRET, PASSKEY_UV]), ["pin", "pattern", "hwk", "user", "mfa"]);
    assert.deepEqual(combinedAmr([PASSKEY_UV, SECRET]), ["pin", "pattern", "hwk", "user", "mfa"]);
    assert.deepEqual(combinedAmr([SECRET]), ["pin", "pattern"]);
    assert.deepEqual(combinedAmr([["hwk", "mfa", "user"]]), ["hwk", "user"], "a step's own mfa does not count");
    assert.deepEqual(combinedAmr([["pin"], ["pin"]]), ["pin"]);
  });

  it("says 2fa only for an amr with mfa", () => {
    assert.equal(acrOf(["pin", "pattern", "swk", "mfa"]), ACR.twoFactor);
    assert.equal(acrOf(["pin", "pattern"]), ACR.oneFactor);
    assert.equal(acrOf(["hwk", "user"]), ACR.oneFactor);
  });
});

describe("a one-factor tenant", () => {
  it("signs in with the PIN and pattern and answers 1fa", () => {
    assert.deepEqual(decideSignIn(oneFactor, plain, SECRET), { outcome: "satisfied", amr: SECRET, acr: ACR.oneFactor });
  });

  it("needs every factor of its login_order: a PIN alone is not the whole secret", () => {
    assert.deepEqual(decideSignIn(oneFactor, plain, ["pin"]), { outcome: "incomplete", next: ["knowledge"], level: ACR.oneFactor });
    const pinOnly = { ...oneFactor, loginOrder: ["PIN"] };
    assert.equal(decideSignIn(pinOnly, plain, ["pin"]).outcome, "satisfied");
  });

  it("does not let a passkey alone sign in unless passkeys are enabled", () => {
    assert.deepEqual(decideSignIn(oneFactor, plain, PASSKEY_UV), { outcome: "incomplete", next: ["knowledge"], level: ACR.oneFactor });
  });

  it("with passkeys enabled, offers both first steps and accepts a user-verified passkey alone (passwordless)", () => {
    assert.deepEqual(decideSignIn(passwordless, plain, []), {
      outcome: "incomplete",
      next: ["knowledge", "passkey"],
      level: ACR.oneFactor,
    });
    assert.deepEqual(decideSignIn(passwordless, plain, PASSKEY_UV), { outcome: "satisfied", amr: PASSKEY_UV, acr: ACR.oneFactor });
  });

  it("refuses a passkey without user verification as the only factor", () => {
    assert.equal(decideSignIn(passwordless, plain, PASSKEY_NO_UV).outcome, "incomplete");
  });

  it("steps up to two factors when the request asks for 2fa", () => {
    assert.equal(requiredLevel(passwordless, askFor2fa), ACR.twoFactor);
    assert.deepEqual(decideSignIn(passwordless, askFor2fa, SECRET), { outcome: "incomplete", next: ["passkey"], level: ACR.twoFactor });
    const done = decideSignIn(passwordless, askFor2fa, [...SECRET, ...PASSKEY_NO_UV]);
    assert.deepEqual(done, { outcome: "satisfied", amr: ["pin", "pattern", "swk", "mfa"], acr: ACR.twoFactor });
  });

  it("refuses a 2fa request as unavailable where the tenant offers no second factor, instead of a step nobody can complete", () => {
    for (const settings of [oneFactor, { ...oneFactor, is2fa: true }]) {
      const request = settings.is2fa ? plain : askFor2fa;
      for (const passed of [[], SECRET, [...SECRET, ...PASSKEY_UV]]) {
        const decision = decideSignIn(settings, request, passed);
        assert.equal(decision.outcome, "unavailable");
        assert.ok(decision.outcome === "unavailable" && decision.step === "passkey" && /no second factor/.test(decision.reason));
      }
    }
    assert.equal(decideSignIn(oneFactor, plain, SECRET).outcome, "satisfied", "a 1fa request is not affected");
  });

  it("ignores acr values it does not know, and takes the weakest of those it knows", () => {
    assert.equal(requiredLevel(oneFactor, { ...plain, acrValues: ["urn:example:gold"] }), ACR.oneFactor);
    assert.equal(requiredLevel(oneFactor, { ...plain, acrValues: [ACR.twoFactor, ACR.oneFactor] }), ACR.oneFactor);
  });

  it("answers 2fa when two kinds were used even though one sufficed", () => {
    const decision = decideSignIn(passwordless, plain, [...PASSKEY_UV, ...SECRET]);
    assert.deepEqual(decision, { outcome: "satisfied", amr: ["pin", "pattern", "hwk", "user", "mfa"], acr: ACR.twoFactor });
  });
});

describe("a 2FA tenant", () => {
  it("does not sign in with the PIN and pattern alone: the next step is the passkey", () => {
    assert.deepEqual(decideSignIn(twoFactor, plain, SECRET), { outcome: "incomplete", next: ["passkey"], level: ACR.twoFactor });
  });

  it("starts with the secret, and after a passkey first still asks for it", () => {
    assert.deepEqual(decideSignIn(twoFactor, plain, []), { outcome: "incomplete", next: ["knowledge"], level: ACR.twoFactor });
    assert.deepEqual(decideSignIn(twoFactor, plain, PASSKEY_UV), { outcome: "incomplete", next: ["knowledge"], level: ACR.twoFactor });
  });

  it("signs in with secret and passkey (with or without user verification), amr with mfa, acr 2fa", () => {
    for (const passkey of [PASSKEY_UV, PASSKEY_NO_UV]) {
      const decision = decideSignIn(twoFactor, plain, [...SECRET, ...passkey]);
      assert.equal(decision.outcome, "satisfied");
      assert.ok(decision.outcome === "satisfied" && decision.amr.includes("mfa") && decision.acr === ACR.twoFactor);
    }
  });

  it("is not lowered by a request for 1fa", () => {
    assert.equal(requiredLevel(twoFactor, { ...plain, acrValues: [ACR.oneFactor] }), ACR.twoFactor);
  });
});

describe("face and liveness", () => {
  const face = { ...oneFactor, useFaceRecognition: true };
  const liveness = { ...oneFactor, useLiveness: true };
  const enrolled = { faceEnrolled: true };
  const notEnrolled = { faceEnrolled: false };

  it("requires a matched face on top of the first factor for an enrolled user, never instead of it", () => {
    assert.deepEqual(decideSignIn(face, plain, SECRET, enrolled), { outcome: "incomplete", next: ["face"], level: ACR.oneFactor });
    assert.deepEqual(decideSignIn(face, plain, ["face"], enrolled), { outcome: "incomplete", next: ["knowledge"], level: ACR.oneFactor });
    assert.deepEqual(decideSignIn(face, plain, [...SECRET, "face"], enrolled), {
      outcome: "satisfied",
      amr: ["pin", "pattern", "face", "mfa"],
      acr: ACR.twoFactor,
    });
    // A liveness check without a match is not a face.
    assert.equal(decideSignIn(face, plain, [...SECRET, "liveness"], enrolled).outcome, "incomplete");
  });

  it("face recognition alone asks nothing of a user who has not enrolled; liveness asks a liveness check, which is not a factor", () => {
    assert.equal(decideSignIn(face, plain, SECRET, notEnrolled).outcome, "satisfied");
    assert.deepEqual(decideSignIn(liveness, plain, SECRET, notEnrolled), { outcome: "incomplete", next: ["face"], level: ACR.oneFactor });
    assert.deepEqual(decideSignIn(liveness, plain, [...SECRET, "liveness"], notEnrolled), {
      outcome: "satisfied",
      amr: ["pin", "pattern", "liveness"],
      acr: ACR.oneFactor,
    });
  });

  it("a 2FA tenant takes an enrolled face as the second factor; the user unknown counts as enrolled (fail closed)", () => {
    const twoFactorFace = { ...twoFactor, useFaceRecognition: true };
    assert.equal(decideSignIn(twoFactorFace, plain, [...SECRET, "face"], enrolled).outcome, "satisfied");
    assert.deepEqual(decideSignIn(twoFactorFace, plain, SECRET), {
      outcome: "incomplete",
      next: ["passkey", "face"],
      level: ACR.twoFactor,
    });
    assert.equal(decideSignIn(twoFactor, plain, [...SECRET, "face"], enrolled).outcome, "incomplete", "not where face is off");
    assert.equal(decideSignIn(twoFactorFace, plain, [...SECRET, "liveness"], notEnrolled).outcome, "incomplete");
  });

  it("a 2FA tenant whose only second factor is face: an enrolled user goes on to the face step, one who has not enrolled is refused, never sent to a passkey step it does not offer", () => {
    const faceOnly = { ...oneFactor, is2fa: true, useFaceRecognition: true };
    assert.deepEqual(decideSignIn(faceOnly, plain, SECRET, enrolled), { outcome: "incomplete", next: ["face"], level: ACR.twoFactor });
    assert.equal(decideSignIn(faceOnly, plain, [...SECRET, "face"], enrolled).outcome, "satisfied");
    const refused = decideSignIn(faceOnly, plain, SECRET, notEnrolled);
    assert.equal(refused.outcome, "unavailable");
    assert.match(refused.outcome === "unavailable" ? refused.reason : "", /no second factor this tenant accepts/);
  });
});

describe("reusing a session", () => {
  const now = Date.UTC(2026, 11, 5, 12, 0, 0);
  const session = { authTime: now - 120_000, amr: SECRET };

  it("answers a plain request on a 1fa tenant", () => {
    assert.equal(sessionSatisfies(oneFactor, plain, session, now), true);
  });

  it("does not answer prompt=login, nor a max_age it exceeds", () => {
    assert.equal(sessionSatisfies(oneFactor, { ...plain, forceLogin: true }, session, now), false);
    assert.equal(sessionSatisfies(oneFactor, { ...plain, maxAge: 60 }, session, now), false);
    assert.equal(sessionSatisfies(oneFactor, { ...plain, maxAge: 120 }, session, now), true);
  });

  it("does not answer a 2fa request, nor a tenant that turned 2FA on, with a 1fa session", () => {
    assert.equal(sessionSatisfies(oneFactor, askFor2fa, session, now), false);
    assert.equal(sessionSatisfies(twoFactor, plain, session, now), false);
    assert.equal(sessionSatisfies(twoFactor, plain, { ...session, amr: combinedAmr([SECRET, PASSKEY_UV]) }, now), true);
  });
});
