// Builds the hosted login UI's browser assets (src/ui/client) into dist/ui: content-hashed ES
// modules and CSS, one module of parsed ICU messages per language (src/i18n/messages), gzip and
// brotli copies for the server to send as they are, and manifest.json, which the server reads to
// name the entry files in its pages and to know each file's size.
// `npm start` and `npm test` run it first; it does nothing when the target was built from the
// same inputs (every source file of the last build, the message catalogues, this script,
// esbuild's version), which inputs.json beside the manifest records.
// Usage: node scripts/build-ui.mjs [--outdir <path>]
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { parse } from "@formatjs/icu-messageformat-parser";
import { build, version as esbuildVersion } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const target = values.outdir ?? join(root, "dist", "ui");
const client = join(root, "src", "ui", "client");
const catalogues = join(root, "src", "i18n", "messages");
const LOCALES = ["en", "de", "fr", "es", "ja", "ar"];
// E-mails and the pages the server renders itself use these; the browser does not.
const SERVER_ONLY = /^(mail|static)\./;

/**
 * The messages of one language that the browser uses, parsed: the page ships intl-messageformat
 * without its ICU parser (the alias below), a few KiB instead of some 30.
 */
function parsedMessages(locale) {
  const messages = JSON.parse(readFileSync(join(catalogues, `${locale}.json`), "utf8"));
  const parsed = {};
  for (const [key, message] of Object.entries(messages)) if (!SERVER_ONLY.test(key)) parsed[key] = parse(message);
  return parsed;
}

/** `svault-messages:<locale>` entry points: a module whose default export is parsedMessages(locale). */
const messagesPlugin = {
  name: "svault-messages",
  setup(builder) {
    builder.onResolve({ filter: /^svault-messages:/ }, (args) => ({
      path: args.path.slice("svault-messages:".length),
      namespace: "messages",
    }));
    builder.onLoad({ filter: /.*/, namespace: "messages" }, (args) => ({
      contents: `export default ${JSON.stringify(parsedMessages(args.path))};`,
      loader: "js",
    }));
  },
};

/** One hash of the build's inputs (paths relative to the root); undefined when one is gone. */
function stampOf(inputs) {
  const hash = createHash("sha256")
    .update(esbuildVersion)
    .update(readFileSync(fileURLToPath(import.meta.url)));
  try {
    for (const input of [...inputs].sort()) hash.update(input).update(readFileSync(join(root, input)));
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

const INPUTS_FILE = "inputs.json";
try {
  const last = JSON.parse(readFileSync(join(target, INPUTS_FILE), "utf8"));
  if (last.stamp === stampOf(last.inputs)) {
    console.log(`${relative(process.cwd(), target) || "."}: up to date`);
    process.exit(0);
  }
} catch {
  // Never built, or built before inputs.json: build.
}
// Built beside the target and swapped in at the end, so that a server starting meanwhile never
// sees half a build.
const outdir = `${target}.building-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: {
    app: join(client, "main.ts"),
    styles: join(client, "styles.css"),
    ...Object.fromEntries(LOCALES.map((locale) => [`messages-${locale}`, `svault-messages:${locale}`])),
  },
  plugins: [messagesPlugin],
  alias: { "@formatjs/icu-messageformat-parser": "@formatjs/icu-messageformat-parser/no-parser.js" },
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
let preload = [];
const messages = {};
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  const name = basename(path);
  const bytes = readFileSync(join(root, path));
  const gzip = gzipSync(bytes, { level: 9 });
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(join(outdir, `${name}.gz`), gzip);
  writeFileSync(join(outdir, `${name}.br`), brotli);
  files[name] = { bytes: bytes.length, gzip: gzip.length, br: brotli.length };
  if (output.entryPoint?.endsWith("main.ts")) {
    script = name;
    preload = output.imports.filter((i) => i.kind === "import-statement").map((i) => basename(i.path));
  }
  const locale = /^messages:(\w+)$/.exec(output.entryPoint ?? "")?.[1];
  if (locale) messages[locale] = name;
  if (output.entryPoint?.endsWith("styles.css")) style = name;
}
if (!script || !style || LOCALES.some((locale) => !messages[locale])) throw new Error("build-ui: the entry points produced no output");
writeFileSync(join(outdir, "manifest.json"), `${JSON.stringify({ script, style, preload, messages, files }, null, 2)}\n`);
// The catalogues reach the build through the plugin, which esbuild's metafile does not name as files.
const inputs = [
  ...Object.keys(result.metafile.inputs).filter((input) => !input.startsWith("messages:")),
  ...LOCALES.map((locale) => relative(root, join(catalogues, `${locale}.json`))),
];
writeFileSync(join(outdir, INPUTS_FILE), `${JSON.stringify({ stamp: stampOf(inputs), inputs }, null, 2)}\n`);
rmSync(target, { recursive: true, force: true });
renameSync(outdir, target);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const [name, size] of Object.entries(files)) {
  console.log(`${relative(process.cwd(), join(target, name))}: ${kib(size.bytes)} (gzip ${kib(size.gzip)}, br ${kib(size.br)})`);
}
