// The pages of the Entra MFA flow (docs/entra-mfa.md), rendered on the server in the person's
// language (src/i18n catalogues, as the hosted pages): the form of the factor step the flow asks
// for, the auto-submitting form_post back to Entra, and the error page. No inline script or style:
// the scripts are files under /mfa/assets/, so the Content-Security-Policy can forbid inline code,
// and `form-action` names the only place each page may post to.
import { translatorFor } from "../../i18n/catalogues.js";
import { directionOf, type Locale } from "../../i18n/locales.js";
import type { MessageKey, MessageValues } from "../../i18n/translator.js";
import type { FactorStep } from "../../domain/login/factors.js";
import type { MfaProblem } from "../../domain/mfa/mfa-flows.js";
import { escapeHtml } from "../../mail/escape-html.js";

export const MFA_ASSET_PREFIX = "/mfa/assets/";

export interface RenderedPage {
  readonly status: number;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The page of each factor step the form can run: its script (under /mfa/assets/, which starts the
 * ceremony when `#mfa-start` is pressed and posts `credential` or `error`) and its texts. A step
 * added to the MFA flow (src/domain/mfa/mfa-factor.ts) adds its entry here and its script to
 * mfa-asset-routes.ts.
 */
export const FACTOR_PAGES: Readonly<Partial<Record<FactorStep, FactorPage>>> = {
  passkey: {
    script: "passkey-form.js",
    intro: "mfa.passkey.intro",
    start: "mfa.passkey.start",
    waiting: "mfa.passkey.waiting",
    noscript: "mfa.passkey.noscript",
  },
  // The face step (docs/face-liveness.md): the camera, the timed guidance, the clip as the answer.
  face: {
    script: "face-form.js",
    intro: "mfa.face.intro",
    start: "face.start",
    waiting: "face.checking",
    noscript: "mfa.face.noscript",
    texts: {
      starting: { key: "face.cameraStarting" },
      centre: { key: "face.centre" },
      hold: { key: "face.hold" },
      turnLeft: { key: "face.turn", values: { direction: "left" } },
      turnRight: { key: "face.turn", values: { direction: "right" } },
      videoLabel: { key: "face.videoLabel" },
    },
  },
};

export interface FactorPage {
  readonly script: string;
  readonly intro: MessageKey;
  readonly start: MessageKey;
  readonly waiting: MessageKey;
  readonly noscript: MessageKey;
  /** More texts the script shows (by its own names), handed to it as JSON in `#mfa-texts`. */
  readonly texts?: Readonly<Record<string, { readonly key: MessageKey; readonly values?: MessageValues }>>;
}

const PROBLEMS: Readonly<Record<MfaProblem, { title: MessageKey; message: MessageKey }>> = {
  tenant: { title: "mfa.error.cannotComplete", message: "mfa.error.tenant" },
  redirect_uri: { title: "mfa.error.cannotComplete", message: "mfa.error.redirectUri" },
  client: { title: "mfa.error.cannotComplete", message: "mfa.error.client" },
  unknown: { title: "mfa.error.unknown", message: "mfa.error.startAgain" },
  answered: { title: "mfa.error.answered", message: "mfa.error.startAgain" },
  other_browser: { title: "mfa.error.otherBrowser", message: "mfa.error.otherBrowserHelp" },
  expired: { title: "mfa.error.expired", message: "mfa.error.expiredHelp" },
};

function headers(formAction: string): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "cache-control": "no-store",
    pragma: "no-cache",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}

function documentOf(locale: Locale, title: string, body: string, script?: string): string {
  return (
    `<!doctype html><html lang="${locale}" dir="${directionOf(locale)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark"><title>${escapeHtml(title)}</title><link rel="icon" href="data:,">` +
    `<link rel="stylesheet" href="${MFA_ASSET_PREFIX}mfa.css">` +
    (script ? `<script src="${MFA_ASSET_PREFIX}${script}" defer></script>` : "") +
    `</head><body><main class="card">${body}</main></body></html>`
  );
}

function pageOf(status: number, locale: Locale, title: string, body: string, formAction: string, script?: string): RenderedPage {
  return { status, html: documentOf(locale, title, body, script), headers: { ...headers(formAction), "content-language": locale } };
}

/** JSON inside a `<script type="application/json">` that cannot end it early. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The form of a flow's factor step: the step's options for its script, and the answer's form (to itself). */
export function factorFormPage(
  locale: Locale,
  step: FactorStep,
  flowId: string,
  browserOptions: Record<string, unknown>,
): RenderedPage | undefined {
  const spec = FACTOR_PAGES[step];
  if (!spec) return undefined;
  const { t } = translatorFor(locale);
  const action = `/mfa/form/${encodeURIComponent(flowId)}`;
  const title = t("mfa.form.title");
  const body =
    `<h1>${escapeHtml(title)}</h1>` +
    `<p>${escapeHtml(t(spec.intro))}</p>` +
    `<script type="application/json" id="mfa-options">${scriptSafeJson(browserOptions)}</script>` +
    (spec.texts
      ? `<script type="application/json" id="mfa-texts">${scriptSafeJson(
          Object.fromEntries(Object.entries(spec.texts).map(([name, text]) => [name, t(text.key, text.values)])),
        )}</script>`
      : "") +
    `<form id="mfa-answer" method="post" action="${escapeHtml(action)}">` +
    `<input type="hidden" name="credential" value=""><input type="hidden" name="error" value="">` +
    `<input type="hidden" name="ui_locales" value="${locale}">` +
    `<p class="actions"><button type="button" id="mfa-start" class="primary">${escapeHtml(t(spec.start))}</button> ` +
    `<button type="button" id="mfa-cancel">${escapeHtml(t("mfa.form.cancel"))}</button></p></form>` +
    `<p class="muted" id="mfa-status" role="status" data-waiting="${escapeHtml(t(spec.waiting))}"></p>` +
    `<noscript><p>${escapeHtml(t(spec.noscript))}</p></noscript>`;
  return pageOf(200, locale, title, body, "'self'", spec.script);
}

/** The answer for Entra: a form that posts itself to its `redirect_uri` (OAuth 2.0 Form Post Response Mode). */
export function formPostPage(locale: Locale, redirectUri: string, fields: Readonly<Record<string, string>>): RenderedPage {
  const { t } = translatorFor(locale);
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const title = t("mfa.returning");
  const body =
    `<h1>${escapeHtml(title)}</h1>` +
    `<form id="form-post" method="post" action="${escapeHtml(redirectUri)}">${inputs}` +
    `<noscript><button type="submit" class="primary">${escapeHtml(t("common.continue"))}</button></noscript></form>`;
  return pageOf(200, locale, title, body, new URL(redirectUri).origin, "form-post.js");
}

export function errorPage(locale: Locale, status: number, problem: MfaProblem): RenderedPage {
  const { t } = translatorFor(locale);
  const texts = PROBLEMS[problem];
  const title = t(texts.title);
  return pageOf(status, locale, title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(t(texts.message))}</p>`, "'none'");
}
