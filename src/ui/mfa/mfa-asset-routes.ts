// The scripts and style sheet of the Entra MFA pages (mfa-pages.ts), served from memory.
import type { FastifyInstance } from "fastify";
import { readAsset, sendAsset } from "../../docs/static-asset.js";
import { FACTOR_PAGES, MFA_ASSET_PREFIX } from "./mfa-pages.js";

const ASSETS = new URL("./assets/", import.meta.url);

const FILES: readonly { file: string; contentType: string }[] = [
  // Each factor step's script.
  ...Object.values(FACTOR_PAGES).map((page) => ({ file: page.script, contentType: "text/javascript; charset=utf-8" })),
  { file: "form-post.js", contentType: "text/javascript; charset=utf-8" },
  { file: "mfa.css", contentType: "text/css; charset=utf-8" },
];

export function mfaAssetRoutes(): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    for (const { file, contentType } of FILES) {
      // Read at start-up: a missing file stops the server instead of failing the pages.
      const asset = await readAsset(new URL(file, ASSETS), contentType);
      app.get(`${MFA_ASSET_PREFIX}${file}`, (request, reply) => sendAsset(request, reply, asset, { "x-content-type-options": "nosniff" }));
    }
  };
}
