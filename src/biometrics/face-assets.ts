// The face models' browser files, served by the service itself from node_modules so that the
// hosted page runs the same detector and mesh as the server without a CDN: Human's browser build,
// the two models the page needs (detector, mesh) and TensorFlow.js's wasm binaries. Each URL
// names its package's version, so the files are cached for a year as immutable: an upgrade is a
// new URL. Only the files listed here are served, each compressed once per encoding on first
// request, on libuv's thread pool rather than the event loop (2.2 MB with brotli, 4.7 MB without).
import { STATIC_ASSET_ROUTE } from "../logging/request-log.js";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { pickEncoding } from "../ui/ui-assets.js";
import { HUMAN_DIRECTORY, packageDirectory, WASM_DIRECTORY } from "./face-packages.js";

export const FACE_ASSET_PREFIX = "/ui/face/";

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  // Model weights (brotli: the detector's to 60 %, the mesh's to 91 %).
  ".bin": "application/octet-stream",
};

const HUMAN_FILES = ["dist/human.esm.js", "models/blazeface.json", "models/blazeface.bin", "models/facemesh.json", "models/facemesh.bin"];
const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

const versionOf = (directory: string) => (JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { version: string }).version;

const HUMAN_BASE = `${FACE_ASSET_PREFIX}human@${versionOf(HUMAN_DIRECTORY)}/`;
const WASM_BASE = `${FACE_ASSET_PREFIX}tfjs-backend-wasm@${versionOf(packageDirectory("@tensorflow/tfjs-backend-wasm"))}/`;

/** Where the page finds what it configures Human with (`import()`, `modelBasePath`, `wasmPath`). */
export const FACE_ASSET_URLS = Object.freeze({
  humanModule: `${HUMAN_BASE}dist/human.esm.js`,
  modelBasePath: `${HUMAN_BASE}models/`,
  wasmPath: WASM_BASE,
});

interface FaceAsset {
  readonly file: string;
  readonly type: string;
}

/** URL path → file, for the listed files only (nothing else under the prefix is reachable). */
function faceAssetTable(): ReadonlyMap<string, FaceAsset> {
  const entries = [
    ...HUMAN_FILES.map((path) => [`${HUMAN_BASE}${path}`, join(HUMAN_DIRECTORY, path)] as const),
    ...WASM_FILES.map((name) => [`${WASM_BASE}${name}`, join(WASM_DIRECTORY, name)] as const),
  ];
  return new Map(
    entries.map(([url, file]) => {
      // A missing file stops the start-up instead of failing the page later.
      if (!existsSync(file)) throw new Error(`face asset ${file} is missing: run npm ci`);
      const type = TYPES[file.slice(file.lastIndexOf("."))];
      if (!type) throw new Error(`face asset ${file} has no known content type`);
      return [url, { file, type }];
    }),
  );
}

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

export function faceAssetRoutes() {
  const table = faceAssetTable();
  const encoded = new Map<string, Promise<Buffer>>();
  /** The file's bytes in `encoding`, produced once and kept (a few MB in all). */
  const bytesOf = (asset: FaceAsset, encoding: "br" | "gzip" | undefined): Promise<Buffer> => {
    const key = `${encoding ?? "identity"}:${asset.file}`;
    let bytes = encoded.get(key);
    if (!bytes) {
      const raw = readFile(asset.file);
      bytes =
        encoding === "br"
          ? raw.then((data) =>
              brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
            )
          : encoding === "gzip"
            ? raw.then((data) => gzipped(data, { level: 9 }))
            : raw;
      encoded.set(key, bytes);
      bytes.catch(() => encoded.delete(key));
    }
    return bytes;
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.get(`${FACE_ASSET_PREFIX}*`, STATIC_ASSET_ROUTE, async (request: FastifyRequest, reply: FastifyReply) => {
      const asset = table.get(request.url.split("?")[0] ?? "");
      if (!asset) return reply.code(404).header("cache-control", "no-store").send({ detail: "Not Found" });
      const encoding = pickEncoding(request.headers["accept-encoding"]);
      reply
        .header("content-type", asset.type)
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("x-content-type-options", "nosniff")
        .header("cross-origin-resource-policy", "same-origin")
        .header("vary", "accept-encoding");
      if (encoding) reply.header("content-encoding", encoding);
      return reply.send(await bytesOf(asset, encoding));
    });
  };
}
