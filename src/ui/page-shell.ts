// The HTML documents of the hosted pages and their security headers. Two kinds: an app page (the
// browser code draws the form from the JSON data block) and a message page (static text: errors,
// signed out). No inline script or style anywhere, so the Content-Security-Policy can forbid both;
// 'wasm-unsafe-eval' is there only for OPAQUE's WebAssembly.
import type { FastifyReply } from "fastify";
import { escapeHtml } from "../mail/escape-html.js";
import { PAGE_DATA_ELEMENT_ID } from "./page-data.js";
import { UI_ASSET_PREFIX, type UiAssets } from "./ui-assets.js";

export interface ShellOptions {
  readonly status: number;
  readonly title: string;
  /** Origins images may come from besides the service itself (the client's logo). */
  readonly imageOrigins?: readonly string[];
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

function send(reply: FastifyReply, options: ShellOptions, head: string, body: string): FastifyReply {
  return reply
    .code(options.status)
    .header("content-security-policy", contentSecurityPolicy(options.imageOrigins ?? []))
    .header("cache-control", "no-store")
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("cross-origin-opener-policy", "same-origin")
    .type("text/html; charset=utf-8")
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">' +
        `<title>${escapeHtml(options.title)}</title><link rel="icon" href="data:,">${head}</head><body>${body}</body></html>`,
    );
}

const stylesheet = (assets: UiAssets | undefined) =>
  assets ? `<link rel="stylesheet" href="${UI_ASSET_PREFIX}${escapeHtml(assets.manifest.style)}">` : "";

/** JSON that cannot end its `<script>` element early: `<`, `>`, `&` and the JS line breaks escaped. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A page the browser code draws from `data` (see page-data.ts). */
export function sendAppPage(reply: FastifyReply, assets: UiAssets, options: ShellOptions, data: unknown): FastifyReply {
  const script = `${UI_ASSET_PREFIX}${escapeHtml(assets.manifest.script)}`;
  return send(
    reply,
    options,
    `${stylesheet(assets)}<script type="module" src="${script}"></script>`,
    `<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">${scriptSafeJson(data)}</script>` +
      `<main class="card" id="app" aria-live="polite"><h1>${escapeHtml(options.title)}</h1>` +
      '<p class="muted" id="loading">Loading…</p><noscript><p class="alert">This page needs JavaScript: your PIN and pattern are checked in the browser, never sent to the server.</p></noscript></main>',
  );
}

/** A static page: a heading and paragraphs of (already escaped) HTML. */
export function sendMessagePage(
  reply: FastifyReply,
  assets: UiAssets | undefined,
  options: ShellOptions,
  paragraphsHtml: readonly string[],
): FastifyReply {
  return send(
    reply,
    options,
    stylesheet(assets),
    `<main class="card" id="app"><h1>${escapeHtml(options.title)}</h1>${paragraphsHtml.map((p) => `<p>${p}</p>`).join("")}</main>`,
  );
}
