// The hooks of ts-loader.mjs (they run on Node's module-hooks thread). A transpiled file is kept
// in node_modules/.cache/test-ts under a hash of its path, its text and what transpiles it, so
// each test process after the first reads it instead of running esbuild again.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");
const CACHE = join(ROOT, "node_modules", ".cache", "test-ts");
/**
 * tsconfig.base.json's options that change esbuild's output (class fields follow `target`), and
 * Node 20.19 as the target, as scripts/build-app.mjs builds the service: below 20.10 esbuild would
 * drop the JSON imports' `with { type: "json" }`.
 */
const OPTIONS = {
  loader: "ts",
  format: "esm",
  target: "node20.19",
  sourcemap: "inline",
  tsconfigRaw: { compilerOptions: { target: "ES2022", verbatimModuleSyntax: true } },
};
// esbuild itself (≈ 55 ms of CPU per test process to load) only on a cache miss; its version,
// part of the cache key, from its package.json.
const { version } = createRequire(import.meta.url)("esbuild/package.json");
const TRANSPILER = `${version}\0${JSON.stringify(OPTIONS)}`;
let esbuild;

mkdirSync(CACHE, { recursive: true });

// A test file's node:test is test/support/workers/node-test.ts, which lets a test worker run the
// file inside a describe of its own (it is node:test itself in a process that runs one file).
const NODE_TEST = new URL("./workers/node-test.ts", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (specifier === "node:test" && parent?.endsWith(".test.ts")) return { url: NODE_TEST, format: "module", shortCircuit: true };
  if (parent?.endsWith(".ts") && (specifier.startsWith("./") || specifier.startsWith("../")) && specifier.endsWith(".js")) {
    const typescript = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(typescript)) return { url: typescript.href, format: "module", shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const text = readFileSync(path, "utf8");
  const key = createHash("sha256").update(TRANSPILER).update("\0").update(path).update("\0").update(text).digest("hex");
  const cached = join(CACHE, `${key}.js`);
  let source;
  try {
    source = readFileSync(cached, "utf8");
  } catch {
    esbuild ??= await import("esbuild");
    source = esbuild.transformSync(text, { ...OPTIONS, sourcefile: path }).code;
    // Test processes run side by side: each writes its own file and renames it into place.
    const writing = `${cached}.${process.pid}`;
    writeFileSync(writing, source);
    renameSync(writing, cached);
  }
  return { format: "module", source, shortCircuit: true };
}
