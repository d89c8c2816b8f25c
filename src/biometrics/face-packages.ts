// Where the face packages are installed. Kept apart from the models' code so that the service's
// main thread can find the files (to serve them) without loading TensorFlow.js.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * A package's directory, found the way Node looks for it (the node_modules folders up from here)
 * rather than through its `exports`, which may not list package.json (Human's do not).
 */
export function packageDirectory(name: string): string {
  const found = (require.resolve.paths(name) ?? [])
    .map((folder) => join(folder, name))
    .find((dir) => existsSync(join(dir, "package.json")));
  if (!found) throw new Error(`the package ${name} is not installed (npm ci)`);
  return found;
}

export const HUMAN_DIRECTORY = packageDirectory("@vladmandic/human");
export const FACE_API_DIRECTORY = packageDirectory("@vladmandic/face-api");
export const WASM_DIRECTORY = join(packageDirectory("@tensorflow/tfjs-backend-wasm"), "dist");
