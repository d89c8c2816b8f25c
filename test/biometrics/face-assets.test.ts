// The face models' browser files, served by the service itself: only the listed files, with the
// right types, compressed where it helps, and cached as immutable (their URLs carry versions).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { brotliDecompressSync } from "node:zlib";
import { FACE_ASSET_URLS, faceAssetRoutes } from "../../src/biometrics/face-assets.js";
import { HUMAN_DIRECTORY, WASM_DIRECTORY } from "../../src/biometrics/face-packages.js";

describe("face assets", () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register(faceAssetRoutes());
  });
  after(() => app.close());

  it("serves Human's browser build, brotli-compressed, immutable", async () => {
    assert.match(FACE_ASSET_URLS.humanModule, /^\/ui\/face\/human@3\.3\.6\//);
    const response = await app.inject({ url: FACE_ASSET_URLS.humanModule, headers: { "accept-encoding": "gzip, br" } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(response.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(response.headers["content-encoding"], "br");
    assert.deepEqual(brotliDecompressSync(response.rawPayload), readFileSync(join(HUMAN_DIRECTORY, "dist", "human.esm.js")));
  });

  it("serves the models and the wasm binaries where Human looks for them", async () => {
    for (const [url, type] of [
      [`${FACE_ASSET_URLS.modelBasePath}blazeface.json`, "application/json"],
      [`${FACE_ASSET_URLS.modelBasePath}facemesh.bin`, "application/octet-stream"],
      [`${FACE_ASSET_URLS.wasmPath}tfjs-backend-wasm-simd.wasm`, "application/wasm"],
    ] as const) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.headers["content-type"], type);
      assert.equal(response.headers["content-encoding"], undefined, "identity when the client accepts no encoding");
    }
    const wasm = await app.inject({ url: `${FACE_ASSET_URLS.wasmPath}tfjs-backend-wasm-simd.wasm` });
    assert.deepEqual(wasm.rawPayload, readFileSync(join(WASM_DIRECTORY, "tfjs-backend-wasm-simd.wasm")));
  });

  it("serves nothing else: other models, other versions, paths out of the package", async () => {
    for (const url of [
      `${FACE_ASSET_URLS.modelBasePath}faceres.json`,
      FACE_ASSET_URLS.humanModule.replace("3.3.6", "3.3.5"),
      `${FACE_ASSET_URLS.modelBasePath}../package.json`,
      `${FACE_ASSET_URLS.modelBasePath}..%2F..%2Fpackage.json`,
      "/ui/face/",
    ]) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.headers["cache-control"], "no-store");
    }
  });
});
