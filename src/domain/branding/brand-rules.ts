// The rules for a tenant's or a client's branding of the hosted pages: links are https URLs (the
// pages must not send people to a plain-http page, nor load a logo over one), and colours are
// `#rrggbb` that keep the text drawn on or in them readable (WCAG 2.1 1.4.3, 4.5:1). Pure.
import type { FieldViolation } from "../../errors/domain-error.js";

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/** The text colour on the primary colour (button labels), and the card that links are drawn on. */
export const BUTTON_TEXT = "#ffffff";
/** WCAG 2.1 1.4.3 (AA) for normal text. */
export const MIN_TEXT_CONTRAST = 4.5;

export function isHexColour(value: string): boolean {
  return HEX_COLOUR.test(value);
}

/** sRGB relative luminance of `#rrggbb` (WCAG 2.1). */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

export interface BrandingInput {
  readonly primaryColor?: string | null | undefined;
  readonly backgroundColor?: string | null | undefined;
  /** Each URL field by its API name (`logo_uri`, `support_uri`…). */
  readonly uris?: Readonly<Record<string, string | null | undefined>>;
}

/** Every rule `input` breaks ("" and unset values are "none" and always allowed). */
export function brandingViolations(input: BrandingInput): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [name, value] of [
    ["primary_color", input.primaryColor],
    ["background_color", input.backgroundColor],
  ] as const) {
    if (value && !isHexColour(value)) {
      violations.push({ path: [name], message: `${name} must be a colour written as #rrggbb`, type: "value_error" });
    }
  }
  const primary = input.primaryColor;
  if (primary && isHexColour(primary)) {
    const ratio = contrastRatio(primary, BUTTON_TEXT);
    if (ratio < MIN_TEXT_CONTRAST) {
      violations.push({
        path: ["primary_color"],
        message:
          `primary_color ${primary} has a contrast of ${ratio.toFixed(2)}:1 against the white text of buttons and the white card ` +
          `that links are drawn on; at least ${MIN_TEXT_CONTRAST}:1 is needed (WCAG 2.1 1.4.3). Choose a darker colour.`,
        type: "value_error",
      });
    }
  }
  for (const [name, value] of Object.entries(input.uris ?? {})) {
    if (value && !isHttpsUrl(value)) violations.push({ path: [name], message: `${name} must be an https URL`, type: "value_error" });
  }
  return violations;
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}
