// Collects the user's secret, factor by factor in the tenant's `login_order`, into the SDK's
// SecretInput — for a login (each factor once) or for choosing a new one (each factor twice,
// weak choices refused on the spot, since the server never sees the secret to refuse it).
import {
  factorOrder,
  MIN_PATTERN_CELLS,
  type SecretFactor,
  type SecretInput,
  type SecretPolicy,
  weakPatternReason,
  weakPinReason,
} from "../../../sdk/secret.js";
import type { PublicTenantInfo } from "../../page-data.js";
import { replaceChildren } from "../dom.js";
import { patternGrid } from "./pattern-grid.js";
import { pinPad } from "./pin-pad.js";
import type { Notice } from "./notice.js";

export function secretPolicy(tenant: PublicTenantInfo): SecretPolicy {
  return {
    usePin: tenant.usePin,
    pinSize: tenant.pinSize,
    usePattern: tenant.usePattern,
    patterSize: tenant.patterSize,
    loginOrder: tenant.loginOrder,
  };
}

/** "PIN", "pattern" or "PIN and pattern": how the pages name the secret. */
export function secretNoun(tenant: PublicTenantInfo): string {
  const names = factorOrder(secretPolicy(tenant)).map((factor) => (factor === "PIN" ? "PIN" : "pattern"));
  return names.join(" and ");
}

type FactorValue = string | number[];

/** Shows one factor's pad or grid in `slot` and resolves with what the user entered. */
function enterFactor(slot: HTMLElement, tenant: PublicTenantInfo, factor: SecretFactor, heading: string): Promise<FactorValue> {
  return new Promise((resolve) => {
    const widget =
      factor === "PIN"
        ? pinPad({ heading, length: tenant.pinSize, showDigits: tenant.showPinWhenTyping, onComplete: resolve })
        : patternGrid({ heading, size: tenant.patterSize, minCells: MIN_PATTERN_CELLS, onComplete: resolve });
    replaceChildren(slot, widget.element);
    widget.focus();
  });
}

function withFactor(input: SecretInput, factor: SecretFactor, value: FactorValue): SecretInput {
  return factor === "PIN" ? { ...input, pin: value as string } : { ...input, pattern: value as number[] };
}

/** Each enabled factor once, in order. */
export async function enterSecret(slot: HTMLElement, tenant: PublicTenantInfo): Promise<SecretInput> {
  let input: SecretInput = {};
  for (const factor of factorOrder(secretPolicy(tenant))) {
    const heading = factor === "PIN" ? "Enter your PIN" : "Draw your pattern";
    input = withFactor(input, factor, await enterFactor(slot, tenant, factor, heading));
  }
  return input;
}

const sameValue = (a: FactorValue, b: FactorValue) => (typeof a === "string" ? a === b : JSON.stringify(a) === JSON.stringify(b));

/** Each enabled factor chosen and then repeated; weak or mismatched choices start that factor again. */
export async function chooseSecret(slot: HTMLElement, tenant: PublicTenantInfo, notice: Notice): Promise<SecretInput> {
  let input: SecretInput = {};
  for (const factor of factorOrder(secretPolicy(tenant))) {
    const noun = factor === "PIN" ? "PIN" : "pattern";
    for (;;) {
      const first = await enterFactor(
        slot,
        tenant,
        factor,
        factor === "PIN" ? `Choose a ${tenant.pinSize}-digit PIN` : "Draw a new pattern",
      );
      const weakness = typeof first === "string" ? weakPinReason(first) : weakPatternReason(first, tenant.patterSize);
      if (weakness) {
        notice.error(`${weakness}. Please choose a ${noun} that is harder to guess.`);
        continue;
      }
      notice.clear();
      const second = await enterFactor(slot, tenant, factor, factor === "PIN" ? "Enter the same PIN again" : "Draw the same pattern again");
      if (!sameValue(first, second)) {
        notice.error(`The two ${noun}s were different. Please choose your ${noun} again.`);
        continue;
      }
      notice.clear();
      input = withFactor(input, factor, first);
      break;
    }
  }
  return input;
}
