// The face models in headless Chromium as a hosted page would run them: Human's browser build,
// models and wasm from the service's own face asset route (no CDN), under the hosted pages' real
// Content-Security-Policy (the page shell's), on a fake camera fed from an .mjpeg made of the test
// faces. The sign-in page's face step guides by time and does not load them yet (test/ui/face-step.test.ts);
// this proves the pieces live guidance would need.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, gzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { FACE_ASSET_URLS, faceAssetRoutes } from "../../src/biometrics/face-assets.js";
import { plainContext, sendAppPage } from "../../src/ui/page-shell.js";
import { type UiAssets, uiAssetRoutes } from "../../src/ui/ui-assets.js";
import { launchChromium } from "../ui/chromium.js";
import { tempDir } from "../support/temp-dir.js";
import { face, faceFrame, mjpeg } from "./face-images.js";

interface Probe {
  readonly error?: string;
  readonly backend?: string;
  readonly size?: [number, number];
  readonly detections?: number[][];
  readonly violations: string[];
}

/** The probe script as the page's one script, served like the hosted pages' built assets. */
function probeAssets(): UiAssets {
  const script = readFileSync(new URL("./face-probe.js", import.meta.url));
  const asset = { type: "text/javascript; charset=utf-8", identity: script, gzip: gzipSync(script), br: brotliCompressSync(script) };
  const file = { bytes: script.length, gzip: asset.gzip.length, br: asset.br.length };
  return {
    manifest: {
      script: "face-probe.js",
      style: "none.css",
      preload: [],
      messages: { en: "", de: "", fr: "", es: "", ja: "", ar: "" },
      files: { "face-probe.js": file },
    },
    files: new Map([["face-probe.js", asset]]),
  };
}

describe("face models in the browser", () => {
  let app: FastifyInstance;
  let browser: Browser;
  let baseUrl: string;
  const requested: string[] = [];

  before(async () => {
    const assets = probeAssets();
    app = Fastify();
    await app.register(faceAssetRoutes());
    await app.register(uiAssetRoutes(assets));
    app.get("/face-probe", (_request, reply) =>
      sendAppPage(
        reply,
        assets,
        { status: 200, title: "Face probe", context: plainContext(), camera: true },
        {
          ...FACE_ASSET_URLS,
          // The page script itself: the probe has no message catalogue to preload.
          messages: "/ui/assets/face-probe.js",
        },
      ),
    );
    baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
    // The fake camera plays the clip in a loop: the frontal face, then its mirror image.
    const clip = [...Array(10).fill(await faceFrame(face("s6b"))), ...Array(10).fill(await faceFrame(face("s6b"), { mirror: true }))];
    const file = join(tempDir("face-camera"), "clip.mjpeg");
    writeFileSync(file, mjpeg(clip));
    browser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${file}`,
    ]);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it("load from the service under the pages' CSP and see the camera's one face", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(["camera"], { origin: baseUrl });
    const page = await context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    const response = await page.goto(`${baseUrl}/face-probe`);
    assert.match(response?.headers()["content-security-policy"] ?? "", /script-src 'self' 'wasm-unsafe-eval';/);
    await page.waitForFunction(() => (window as unknown as { faceProbe?: unknown }).faceProbe);
    const probe = (await page.evaluate(() => (window as unknown as { faceProbe: unknown }).faceProbe)) as Probe;
    assert.equal(probe.error, undefined, probe.error);
    assert.deepEqual(probe.violations, []);
    assert.equal(probe.backend, "wasm");
    assert.deepEqual(probe.size, [640, 480]);
    const detections = probe.detections ?? [];
    assert.ok(
      detections.every((faces) => faces.length === 1),
      `one face in every frame: ${JSON.stringify(detections)}`,
    );
    // The same models as the server: the clip's frames have yaw +12° and −13° there.
    assert.ok(
      detections.flat().every((yaw) => Math.abs(Math.abs(yaw) - 12.7) < 4),
      `yaw as on the server: ${JSON.stringify(detections)}`,
    );
    assert.ok(requested.length > 0 && requested.every((url) => url.startsWith(baseUrl)), `only the service was asked: ${requested}`);
    assert.ok(requested.some((url) => url.endsWith(".wasm")));
    await context.close();
  });
});
