// `GET /openapi.json` and `GET /docs`, a self-contained reference page that renders it. The page
// is a static HTML file, one script and one style sheet, all served from here, so it works
// offline and under a strict Content-Security-Policy: nothing inline, nothing from another host.
import { STATIC_ASSET_ROUTE } from "../logging/request-log.js";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/config.js";
import { openApiAsset } from "./openapi-document.js";
import { readAsset, sendAsset } from "./static-asset.js";

const ASSETS = new URL("./assets/", import.meta.url);

/** Routes of the page and the files it loads (relative URLs in docs.html resolve to these). */
const PAGE_FILES: readonly { route: string; file: string; contentType: string }[] = [
  { route: "/docs", file: "docs.html", contentType: "text/html; charset=utf-8" },
  { route: "/docs/docs.js", file: "docs.js", contentType: "text/javascript; charset=utf-8" },
  { route: "/docs/docs.css", file: "docs.css", contentType: "text/css; charset=utf-8" },
];

export const DOCS_CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

const PAGE_HEADERS = { "content-security-policy": DOCS_CSP, "x-content-type-options": "nosniff" };

export function docsRoutes(config: Config): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    // Read at start-up: a missing or malformed file stops the server instead of failing requests.
    const openapi = await openApiAsset(config.publicUrl);
    app.get("/openapi.json", (request, reply) => sendAsset(request, reply, openapi));

    for (const { route, file, contentType } of PAGE_FILES) {
      const asset = await readAsset(new URL(file, ASSETS), contentType);
      // The page's own scripts and styles are assets; the page is a request that matters.
      app.get(route, route === "/docs" ? {} : STATIC_ASSET_ROUTE, (request, reply) => sendAsset(request, reply, asset, PAGE_HEADERS));
    }
  };
}
