// Bundles the client SDK (src/sdk/index.ts) for browsers: one minified ES module with its
// dependencies, the OPAQUE WASM inlined (as @serenity-kit/opaque ships it, base64 in its ESM
// build). `platform: "browser"` makes any Node built-in import a build error, which keeps the SDK
// honest. Usage: node scripts/build-sdk.mjs [--outfile <path>]   (default dist/sdk/svault-sdk.js)
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = values.outfile ?? join(root, "dist", "sdk", "svault-sdk.js");

await build({
  absWorkingDir: root,
  entryPoints: [join(root, "src", "sdk", "index.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});

const bytes = readFileSync(outfile);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`${relative(process.cwd(), outfile) || outfile}: ${kib(bytes.length)} (gzip ${kib(gzipSync(bytes).length)})`);
