// A tenant's branding of the hosted pages, overridden per client: the name, logo and links the
// page draws, and the colours, which reach the page as a stylesheet of CSS custom properties that
// the service generates (`/ui/brand.css`) — so that the Content-Security-Policy keeps forbidding
// inline styles. The colours were validated when they were set (domain/branding/brand-rules.ts):
// only `#rrggbb` ever gets into the CSS.
import { createHash } from "node:crypto";
import { BUTTON_TEXT, contrastRatio, isHexColour, MIN_TEXT_CONTRAST } from "../domain/branding/brand-rules.js";
import type { Client } from "../persistence/entities/client.js";
import type { Tenant } from "../persistence/entities/tenant.js";

/** What the page draws of the branding (page-data.ts). */
export interface Brand {
  readonly name: string;
  /** An https URL, or "" for none. */
  readonly logoUri: string;
  readonly supportUri: string;
  readonly privacyUri: string;
  readonly termsUri: string;
  readonly userAgreementUri: string;
}

export interface BrandColours {
  readonly primary: string;
  readonly background: string;
}

/** The card of the dark scheme (styles.css), on which links in the primary colour must stay readable. */
const DARK_CARD = "#1b1d21";

/** `value` when it is an https URL, else "" (a client's older links were checked as URIs only). */
function https(value: string | null | undefined): string {
  if (!value) return "";
  try {
    return new URL(value).protocol === "https:" ? value : "";
  } catch {
    return "";
  }
}

export function brandOf(tenant: Tenant, client: Client | undefined): Brand {
  return {
    name: client?.tenantName || tenant.displayName || tenant.id,
    logoUri: https(client?.logoUri) || https(tenant.logoUri),
    supportUri: https(client?.supportUri) || https(tenant.supportUri),
    privacyUri: https(client?.opPolicyUrl) || https(tenant.privacyPolicyUri),
    termsUri: https(client?.opTosUrl) || https(tenant.termsOfServiceUri),
    userAgreementUri: https(client?.opUserAgreementUrl),
  };
}

export function brandColoursOf(tenant: Tenant, client: Client | undefined): BrandColours {
  return {
    primary: client?.primaryColor || tenant.primaryColor,
    background: client?.backgroundColor || tenant.backgroundColor,
  };
}

/** The origin of the brand's logo (an https URL, see brandOf), which the page's CSP must allow. */
export function logoOrigin(brand: Brand): string | undefined {
  return brand.logoUri ? new URL(brand.logoUri).origin : undefined;
}

/** `colour` mixed with white until links in it reach 4.5:1 on the dark scheme's card. */
function lightenForDarkCard(colour: string): string {
  const channels = [1, 3, 5].map((offset) => Number.parseInt(colour.slice(offset, offset + 2), 16));
  for (let white = 0; white <= 1; white += 0.05) {
    const mixed = `#${channels
      .map((c) =>
        Math.round(c + (255 - c) * white)
          .toString(16)
          .padStart(2, "0"),
      )
      .join("")}`;
    if (contrastRatio(mixed, DARK_CARD) >= MIN_TEXT_CONTRAST) return mixed;
  }
  return "#ffffff";
}

/** The stylesheet of `colours` ("" when the service's own look is used). */
export function brandStylesheet(colours: BrandColours): string {
  const rules: string[] = [];
  const light: string[] = [];
  const dark: string[] = [];
  if (isHexColour(colours.primary)) {
    // Buttons keep the colour itself with white text in both schemes (checked at 4.5:1 when set);
    // links and the focus ring on the dark card use a lighter mix of it.
    const primary = colours.primary.toLowerCase();
    light.push(`--accent:${primary}`, `--focus:${primary}`, `--button:${primary}`, `--button-text:${BUTTON_TEXT}`);
    const forDark = lightenForDarkCard(primary);
    dark.push(`--accent:${forDark}`, `--focus:${forDark}`, `--button:${primary}`, `--button-text:${BUTTON_TEXT}`);
  }
  if (light.length > 0) rules.push(`:root{${light.join(";")}}`);
  if (dark.length > 0) rules.push(`@media (prefers-color-scheme:dark){:root{${dark.join(";")}}}`);
  // The background shows around the card in the light scheme only; the dark scheme keeps its
  // own, so that a light brand background does not glare around a dark card.
  if (isHexColour(colours.background)) {
    rules.push(`@media (prefers-color-scheme:light){:root{--bg:${colours.background.toLowerCase()}}}`);
  }
  return rules.join("\n");
}

export function stylesheetVersion(css: string): string {
  return createHash("sha256").update(css).digest("base64url").slice(0, 16);
}

/** The URL of the stylesheet of a tenant's (and client's) colours, or undefined when it would be empty. */
export function brandStylesheetUrl(tenantId: string, clientId: string | undefined, colours: BrandColours): string | undefined {
  const css = brandStylesheet(colours);
  if (!css) return undefined;
  const query = new URLSearchParams({ tenant_id: tenantId, ...(clientId ? { client_id: clientId } : {}), v: stylesheetVersion(css) });
  return `${BRAND_STYLESHEET_PATH}?${query}`;
}

export const BRAND_STYLESHEET_PATH = "/ui/brand.css";
