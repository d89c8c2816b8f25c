// The HTML documents of the hosted pages and their security headers. Two kinds: an app page (the
// browser code draws the form from the JSON data block) and a message page (static text: errors,
// signed out), both in the page's language and with its branding. No inline script or style
// anywhere, so the Content-Security-Policy can forbid both; 'wasm-unsafe-eval' is there only for
// WebAssembly — OPAQUE's and the face models' (src/biometrics/face-assets.ts) — and images may
// come only from the service and the brand's logo origin.
import type { FastifyReply } from "fastify";
import { directionOf, FALLBACK_LOCALE, type Locale } from "../i18n/locales.js";
import { translatorFor } from "../i18n/catalogues.js";
import type { MessageKey } from "../i18n/translator.js";
import { escapeHtml } from "../mail/escape-html.js";
import { type Brand, logoOrigin } from "./brand.js";
import { PAGE_DATA_ELEMENT_ID } from "./page-data.js";
import { UI_ASSET_PREFIX, type UiAssets } from "./ui-assets.js";

/** The page's language and branding (page-context.ts); a page without a tenant has neither branding nor stylesheet. */
export interface ShellContext {
  readonly locale: Locale;
  readonly brand?: Brand | undefined;
  readonly brandStylesheet?: string | undefined;
}

export interface ShellOptions {
  readonly status: number;
  readonly title: string;
  readonly context: ShellContext;
  /** The page may ask for the camera (the login page's face step); every other page may not. */
  readonly camera?: boolean;
}

function contentSecurityPolicy(imageOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `img-src 'self' data:${imageOrigins.map((origin) => ` ${origin}`).join("")}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

const stylesheetLink = (href: string) => `<link rel="stylesheet" href="${escapeHtml(href)}">`;

function send(reply: FastifyReply, assets: UiAssets | undefined, options: ShellOptions, head: string, body: string): FastifyReply {
  const { locale, brand, brandStylesheet } = options.context;
  const origin = brand ? logoOrigin(brand) : undefined;
  const styles = [
    ...(assets ? [stylesheetLink(`${UI_ASSET_PREFIX}${assets.manifest.style}`)] : []),
    ...(brandStylesheet ? [stylesheetLink(brandStylesheet)] : []),
  ].join("");
  return reply
    .code(options.status)
    .header("content-security-policy", contentSecurityPolicy(origin ? [origin] : []))
    .header("cache-control", "no-store")
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("cross-origin-opener-policy", "same-origin")
    .header("permissions-policy", `camera=${options.camera ? "(self)" : "()"}, microphone=(), geolocation=()`)
    .header("content-language", locale)
    .type("text/html; charset=utf-8")
    .send(
      `<!doctype html><html lang="${locale}" dir="${directionOf(locale)}"><head><meta charset="utf-8">` +
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">' +
        `<title>${escapeHtml(options.title)}</title><link rel="icon" href="data:,">${styles}${head}</head><body>${body}</body></html>`,
    );
}

/** JSON that cannot end its `<script>` element early: `<`, `>`, `&` and the JS line breaks escaped. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A page the browser code draws from `data` (see page-data.ts). The script's own imports and the
 * language's messages are preloaded, so that they arrive together rather than one after another.
 */
export function sendAppPage(reply: FastifyReply, assets: UiAssets, options: ShellOptions, data: { messages: string }): FastifyReply {
  const t = translatorFor(options.context.locale).t;
  const preload = [...assets.manifest.preload.map((name) => `${UI_ASSET_PREFIX}${name}`), data.messages]
    .map((href) => `<link rel="modulepreload" href="${escapeHtml(href)}">`)
    .join("");
  const script = `${UI_ASSET_PREFIX}${escapeHtml(assets.manifest.script)}`;
  return send(
    reply,
    assets,
    options,
    `${preload}<script type="module" src="${script}"></script>`,
    `<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">${scriptSafeJson(data)}</script>` +
      `<main class="card" id="app" aria-live="polite"><h1>${escapeHtml(options.title)}</h1>` +
      `<p class="muted" id="loading">${escapeHtml(t("static.loading"))}</p>` +
      `<noscript><p class="notice notice-error">${escapeHtml(t("static.noscript"))}</p></noscript></main>`,
  );
}

export interface MessagePage {
  readonly title: MessageKey;
  readonly body: MessageKey;
  /** Technical detail for the site's developer, behind a disclosure: name → value. */
  readonly details?: Readonly<Record<string, string>>;
  /** A link back to the application: its name and an https or http URL. */
  readonly back?: { readonly name: string; readonly url: string } | undefined;
}

/** A static page in the context's language and branding: a heading, a paragraph, details, links. */
export function sendMessagePage(
  reply: FastifyReply,
  assets: UiAssets | undefined,
  status: number,
  context: ShellContext,
  page: MessagePage,
): FastifyReply {
  const t = translatorFor(context.locale).t;
  const details = Object.entries(page.details ?? {}).filter(([, value]) => value !== "");
  const title = t(page.title);
  const html = [
    brandHeader(context),
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(t(page.body))}</p>`,
    page.back
      ? `<p><a class="button primary" href="${escapeHtml(page.back.url)}">${escapeHtml(t("common.backToApp", { app: page.back.name }))}</a></p>`
      : "",
    details.length > 0
      ? `<details class="details"><summary>${escapeHtml(t("static.details"))}</summary><dl>` +
        details.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join("") +
        "</dl></details>"
      : "",
    brandLinks(context),
  ].join("");
  const documentTitle = context.brand ? t("frame.documentTitle", { title, name: context.brand.name }) : title;
  return send(reply, assets, { status, title: documentTitle, context }, "", `<main class="card" id="app">${html}</main>`);
}

function brandHeader({ brand, locale }: ShellContext): string {
  if (!brand) return "";
  const t = translatorFor(locale).t;
  const logo = brand.logoUri
    ? `<img class="logo" src="${escapeHtml(brand.logoUri)}" alt="${escapeHtml(t("frame.logoAlt", { name: brand.name }))}" width="40" height="40">`
    : "";
  return `<header class="brand">${logo}<p class="brand-name">${escapeHtml(brand.name)}</p></header>`;
}

function brandLinks({ brand, locale }: ShellContext): string {
  if (!brand) return "";
  const t = translatorFor(locale).t;
  const links = (
    [
      ["frame.support", brand.supportUri],
      ["frame.privacy", brand.privacyUri],
      ["frame.terms", brand.termsUri],
    ] as const
  ).filter(([, url]) => url !== "");
  if (links.length === 0) return "";
  return (
    `<nav class="page-links" aria-label="${escapeHtml(t("frame.links"))}">` +
    links.map(([key, url]) => `<a href="${escapeHtml(url)}" rel="noopener">${escapeHtml(t(key))}</a>`).join("") +
    "</nav>"
  );
}

/** The context of a page that knows no tenant: the browser's language, no branding. */
export function plainContext(locale: Locale = FALLBACK_LOCALE): ShellContext {
  return { locale };
}
