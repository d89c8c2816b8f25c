// The face models, loaded offline from the npm packages that ship them, on TensorFlow.js's
// WebAssembly backend (no native addon, no download at run time):
//
// - @vladmandic/human: face detection (BlazeFace) and the 468-point face mesh, from which it
//   estimates the head's yaw. Its package `exports` do not expose the node-wasm build, so it is
//   loaded by path; its wasm path would default to a CDN and its model loader fetches `file://`
//   URLs, which Node's fetch cannot, hence the file loader below.
// - @vladmandic/face-api: the 128-d face embedding (detector, 68 landmarks, recognition net).
//
// Both builds take @tensorflow/tfjs-core from node_modules, so they share one engine and backend.
// Loaded once per worker thread (face-worker.ts); never on the service's event loop.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as FaceApi from "@vladmandic/face-api";
import type { Config as HumanConfig, Human } from "@vladmandic/human";
import * as tf from "@tensorflow/tfjs-core";
import { FACE_API_DIRECTORY, HUMAN_DIRECTORY, WASM_DIRECTORY } from "./face-packages.js";

const require = createRequire(import.meta.url);

/**
 * Human's configuration for a server: only face detection and mesh; up to 3 faces so that
 * "several faces" is seen; every cache and frame-skipping off (each call judges its own frame —
 * a cached result from another user's frame would be a cross-request leak); no image filters.
 */
const HUMAN_CONFIG: Partial<HumanConfig> = {
  backend: "wasm",
  wasmPath: `${WASM_DIRECTORY}/`,
  modelBasePath: `${pathToFileURL(join(HUMAN_DIRECTORY, "models")).href}/`,
  debug: false,
  async: false,
  warmup: "none",
  cacheModels: false,
  cacheSensitivity: 0,
  filter: { enabled: false },
  gesture: { enabled: false },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  segmentation: { enabled: false },
  face: {
    enabled: true,
    detector: { rotation: false, maxDetected: 3, minConfidence: 0.5, skipFrames: 0, skipTime: 0, return: false },
    mesh: { enabled: true },
    iris: { enabled: false },
    emotion: { enabled: false, skipFrames: 0, skipTime: 0 },
    description: { enabled: false, skipFrames: 0, skipTime: 0 },
    antispoof: { enabled: false, skipFrames: 0, skipTime: 0 },
    liveness: { enabled: false, skipFrames: 0, skipTime: 0 },
    attention: { enabled: false },
  },
};

/**
 * Loads TensorFlow.js graph models from `file://` URLs: model.json and its weight files read from
 * disk. Registered once per thread; other URLs fall through to the default loaders.
 */
function registerFileModelLoader(): void {
  // The registry skips a router that returns null, though its type does not say so.
  const notMine = null as unknown as tf.io.IOHandler;
  tf.io.registerLoadRouter((url: string | string[]) => {
    if (typeof url !== "string" || !url.startsWith("file://")) return notMine;
    const file = fileURLToPath(url);
    return {
      load: async () => {
        const modelJson = JSON.parse(await readFile(file, "utf8")) as tf.io.ModelJSON;
        return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
          const specs = manifest.flatMap((group) => group.weights);
          const parts = await Promise.all(manifest.flatMap((group) => group.paths.map((path) => readFile(join(dirname(file), path)))));
          const weights = Buffer.concat(parts);
          return [specs, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)];
        });
      },
    };
  });
}

export interface FaceModels {
  readonly human: Human;
  readonly faceApi: typeof FaceApi;
  readonly faceApiDetector: FaceApi.TinyFaceDetectorOptions;
}

/** Loads both libraries and their models; once per thread. */
export async function loadFaceModels(): Promise<FaceModels> {
  registerFileModelLoader();
  const { Human } = require(join(HUMAN_DIRECTORY, "dist", "human.node-wasm.js")) as typeof import("@vladmandic/human");
  const human = new Human(HUMAN_CONFIG);
  await human.load();
  if (tf.getBackend() !== "wasm") throw new Error(`the face models run on the wasm backend, not ${tf.getBackend()}`);
  const faceApi = require(join(FACE_API_DIRECTORY, "dist", "face-api.node-wasm.js")) as typeof FaceApi;
  const models = join(FACE_API_DIRECTORY, "model");
  await Promise.all([
    faceApi.nets.tinyFaceDetector.loadFromDisk(models),
    faceApi.nets.faceLandmark68Net.loadFromDisk(models),
    faceApi.nets.faceRecognitionNet.loadFromDisk(models),
  ]);
  return { human, faceApi, faceApiDetector: new faceApi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }) };
}
