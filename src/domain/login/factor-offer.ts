// Which possession and inherence steps a tenant offers, for a flow that asks for one such factor on
// its own rather than for a whole sign-in: the Entra MFA form (docs/entra-mfa.md, "Factors"), where
// Entra's sign-in was the first factor and ours must be of another kind. Asked of the sign-in
// engine so that the form offers exactly what the tenant's sign-in would: a step the tenant has not
// enabled, or that the engine cannot perform yet (it answers `unavailable` for it), is not offered.
import type { FactorKind, FactorStep } from "./factors.js";
import { decideSignIn, type FactorSettings } from "./sign-in-policy.js";

/** The kind of factor each step proves (NIST SP 800-63B). */
export const STEP_KIND: Readonly<Record<FactorStep, FactorKind>> = {
  knowledge: "knowledge",
  passkey: "possession",
  face: "inherence",
};

/** Whether the tenant has turned the step on (face recognition is the face factor; liveness alone names nobody). */
const ENABLED: Readonly<Record<FactorStep, (settings: FactorSettings) => boolean>> = {
  knowledge: (settings) => settings.loginOrder.length > 0,
  passkey: (settings) => settings.passkeyEnabled,
  face: (settings) => settings.useFaceRecognition,
};

/** The engine's order of preference: possession before inherence. */
const ORDER: readonly FactorStep[] = ["passkey", "face"];

/**
 * The possession and inherence steps the tenant enables and the engine can perform, in order of
 * preference. Knowledge is never among them.
 */
export function possessionOrInherenceSteps(settings: FactorSettings): FactorStep[] {
  // The engine's own verdict on a fresh sign-in: a step it cannot perform comes back `unavailable`.
  const fresh = decideSignIn(settings, { acrValues: [], maxAge: null, forceLogin: false }, []);
  const unavailable = fresh.outcome === "unavailable" ? fresh.step : undefined;
  return ORDER.filter((step) => STEP_KIND[step] !== "knowledge" && ENABLED[step](settings) && step !== unavailable);
}
