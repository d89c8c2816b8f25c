// Builds the hosted login UI's browser assets (src/ui/client) into dist/ui: content-hashed ES
// modules and CSS, gzip and brotli copies for the server to send as they are, and manifest.json,
// which the server reads to name the entry files in its pages and to know each file's size.
// `npm start` and `npm test` run it first. Usage: node scripts/build-ui.mjs [--outdir <path>]
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const target = values.outdir ?? join(root, "dist", "ui");
const client = join(root, "src", "ui", "client");
// Built beside the target and swapped in at the end, so that a server starting meanwhile never
// sees half a build.
const outdir = `${target}.building-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: join(client, "main.ts"), styles: join(client, "styles.css") },
  outdir,
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  // The OPAQUE SDK is a separate chunk loaded while the user types their username, so that the
  // page is interactive before its ~500 KiB of WASM arrive.
  splitting: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  minify: true,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});

const files = {};
let script;
let style;
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  const name = basename(path);
  const bytes = readFileSync(join(root, path));
  const gzip = gzipSync(bytes, { level: 9 });
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(join(outdir, `${name}.gz`), gzip);
  writeFileSync(join(outdir, `${name}.br`), brotli);
  files[name] = { bytes: bytes.length, gzip: gzip.length, br: brotli.length };
  if (output.entryPoint?.endsWith("main.ts")) script = name;
  if (output.entryPoint?.endsWith("styles.css")) style = name;
}
if (!script || !style) throw new Error("build-ui: the entry points produced no output");
writeFileSync(join(outdir, "manifest.json"), `${JSON.stringify({ script, style, files }, null, 2)}\n`);
rmSync(target, { recursive: true, force: true });
renameSync(outdir, target);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const [name, size] of Object.entries(files)) {
  console.log(`${relative(process.cwd(), join(target, name))}: ${kib(size.bytes)} (gzip ${kib(size.gzip)}, br ${kib(size.br)})`);
}
