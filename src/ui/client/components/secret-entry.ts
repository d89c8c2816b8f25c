// Collects the user's secret, factor by factor in the tenant's `login_order`, into the SDK's
// SecretInput — for a login (each factor once) or for choosing a new one (each factor twice,
// weak choices refused on the spot, since the server never sees the secret to refuse it).
import type { MessageKey } from "../../../i18n/translator.js";
import {
  factorOrder,
  MIN_PATTERN_CELLS,
  type SecretFactor,
  type SecretInput,
  type SecretPolicy,
  type WeakPatternProblem,
  type WeakPinProblem,
  weakPatternProblem,
  weakPinProblem,
} from "../../../sdk/secret.js";
import type { PublicTenantInfo } from "../../page-data.js";
import { replaceChildren } from "../dom.js";
import { t } from "../i18n.js";
import type { Notice } from "./notice.js";
import { patternGrid } from "./pattern-grid.js";
import { pinPad } from "./pin-pad.js";

export function secretPolicy(tenant: PublicTenantInfo): SecretPolicy {
  return {
    usePin: tenant.usePin,
    pinSize: tenant.pinSize,
    usePattern: tenant.usePattern,
    patterSize: tenant.patterSize,
    loginOrder: tenant.loginOrder,
  };
}

/** The catalogue's name of one factor, for its `{factor, select, pin {…} other {…}}` messages. */
export const factorName = (factor: SecretFactor) => (factor === "PIN" ? "pin" : "pattern");

type FactorValue = string | number[];

/** What a step shows under its pad or grid (a link), by factor. */
export type FactorFooter = (factor: SecretFactor) => Node | undefined;

/** Shows one factor's pad or grid in `slot` and resolves with what the user entered. */
function enterFactor(
  slot: HTMLElement,
  tenant: PublicTenantInfo,
  factor: SecretFactor,
  heading: string,
  footer: FactorFooter | undefined,
): Promise<FactorValue> {
  return new Promise((resolve) => {
    const below = footer?.(factor);
    const widget =
      factor === "PIN"
        ? pinPad({ heading, length: tenant.pinSize, showDigits: tenant.showPinWhenTyping, onComplete: resolve, footer: below })
        : patternGrid({ heading, size: tenant.patterSize, minCells: MIN_PATTERN_CELLS, onComplete: resolve, footer: below });
    replaceChildren(slot, widget.element);
    widget.focus();
  });
}

function withFactor(input: SecretInput, factor: SecretFactor, value: FactorValue): SecretInput {
  return factor === "PIN" ? { ...input, pin: value as string } : { ...input, pattern: value as number[] };
}

/** Each enabled factor once, in order. */
export async function enterSecret(slot: HTMLElement, tenant: PublicTenantInfo, footer?: FactorFooter): Promise<SecretInput> {
  let input: SecretInput = {};
  for (const factor of factorOrder(secretPolicy(tenant))) {
    const heading = factor === "PIN" ? t("pin.enter") : t("pattern.enter");
    input = withFactor(input, factor, await enterFactor(slot, tenant, factor, heading, footer));
  }
  return input;
}

const sameValue = (a: FactorValue, b: FactorValue) => (typeof a === "string" ? a === b : JSON.stringify(a) === JSON.stringify(b));

const WEAKNESS: Readonly<Record<WeakPinProblem | WeakPatternProblem, MessageKey>> = {
  empty: "weak.sameDigits",
  same_digits: "weak.sameDigits",
  ascending: "weak.ascending",
  descending: "weak.descending",
  repeated_group: "weak.repeated",
  common: "weak.common",
  too_short: "weak.short",
  row: "weak.row",
  column: "weak.column",
  diagonal: "weak.diagonal",
};

/** Each enabled factor chosen and then repeated; weak or mismatched choices start that factor again. */
export async function chooseSecret(slot: HTMLElement, tenant: PublicTenantInfo, notice: Notice): Promise<SecretInput> {
  let input: SecretInput = {};
  for (const factor of factorOrder(secretPolicy(tenant))) {
    for (;;) {
      const heading = factor === "PIN" ? t("pin.choose", { length: tenant.pinSize }) : t("pattern.choose");
      const first = await enterFactor(slot, tenant, factor, heading, undefined);
      const weakness = typeof first === "string" ? weakPinProblem(first) : weakPatternProblem(first, tenant.patterSize);
      if (weakness) {
        notice.error(t("choose.weak", { reason: t(WEAKNESS[weakness]), factor: factorName(factor) }));
        continue;
      }
      notice.clear();
      const again = factor === "PIN" ? t("pin.repeat") : t("pattern.repeat");
      const second = await enterFactor(slot, tenant, factor, again, undefined);
      if (!sameValue(first, second)) {
        notice.error(t("choose.mismatch", { factor: factorName(factor) }));
        continue;
      }
      notice.clear();
      input = withFactor(input, factor, first);
      break;
    }
  }
  return input;
}
