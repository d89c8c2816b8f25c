// The hosted UI's built browser assets (dist/ui, made by scripts/build-ui.mjs): read once at
// start-up, served from memory with their precompressed copies and a year-long immutable cache
// (their names carry a content hash, so a new build is a new URL).
import { STATIC_ASSET_ROUTE } from "../logging/request-log.js";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Locale } from "../i18n/locales.js";

export interface UiAssetFile {
  readonly bytes: number;
  readonly gzip: number;
  readonly br: number;
}

export interface UiManifest {
  readonly script: string;
  readonly style: string;
  /** The script's static imports, for `<link rel="modulepreload">`. */
  readonly preload: readonly string[];
  /** Each language's messages module (parsed ICU messages), by locale. */
  readonly messages: Readonly<Record<Locale, string>>;
  readonly files: Readonly<Record<string, UiAssetFile>>;
}

interface LoadedAsset {
  readonly type: string;
  readonly identity: Buffer;
  readonly gzip: Buffer;
  readonly br: Buffer;
}

export interface UiAssets {
  readonly manifest: UiManifest;
  readonly files: ReadonlyMap<string, LoadedAsset>;
}

export const DEFAULT_UI_ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "ui");
export const UI_ASSET_PREFIX = "/ui/assets/";

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The built assets, or undefined when `npm run build:ui` has not run (the pages then say so). */
export function loadUiAssets(directory = DEFAULT_UI_ASSET_DIR): UiAssets | undefined {
  const manifestPath = join(directory, "manifest.json");
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as UiManifest;
  const files = new Map<string, LoadedAsset>();
  for (const name of Object.keys(manifest.files)) {
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (!type) continue;
    const path = join(directory, name);
    files.set(name, { type, identity: readFileSync(path), gzip: readFileSync(`${path}.gz`), br: readFileSync(`${path}.br`) });
  }
  return { manifest, files };
}

/** The encoding to send: brotli, then gzip, when the request accepts it (q=0 refuses). */
export function pickEncoding(acceptEncoding: string | undefined): "br" | "gzip" | undefined {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? "").split(",")) {
    const [name, ...parameters] = part.trim().toLowerCase().split(";");
    const refused = parameters.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    if (name && !refused) accepted.add(name);
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}

export function uiAssetRoutes(assets: UiAssets | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      `${UI_ASSET_PREFIX}:name`,
      STATIC_ASSET_ROUTE,
      async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
        const asset = assets?.files.get(request.params.name);
        if (!asset) return reply.code(404).header("cache-control", "no-store").send({ detail: "Not Found" });
        const encoding = pickEncoding(request.headers["accept-encoding"]);
        reply
          .header("content-type", asset.type)
          .header("cache-control", "public, max-age=31536000, immutable")
          .header("x-content-type-options", "nosniff")
          .header("vary", "accept-encoding");
        if (encoding) reply.header("content-encoding", encoding);
        return reply.send(encoding === "br" ? asset.br : encoding === "gzip" ? asset.gzip : asset.identity);
      },
    );
  };
}
