// The production build: a directory that runs with plain `node` and production dependencies only
// (no tsx, no esbuild), laid out like the repository so that every path the code resolves from
// its own location (package.json, gen/openapi.json, src/docs/assets, dist/ui) holds there too:
//
//   <outdir>/package.json        its scripts rewritten to run the compiled entry points
//   <outdir>/package-lock.json   for `npm ci --omit=dev` in <outdir>
//   <outdir>/src/**.js, gen/**.js the server's TypeScript, each file transpiled on its own by
//                                esbuild exactly as tsx does for `npm start` (no bundling)
//   <outdir>/src/**, gen/**      every other file there (the docs page's assets, openapi.json)
//   <outdir>/dist/ui             the hosted pages' assets (scripts/build-ui.mjs)
//
// The Dockerfile, scripts/container-smoke.mjs and `npm start` (before running dist/app: the
// compiled service needs ≈ 50–70 MiB less memory than the sources through tsx, docs/operations.md,
// "Memory") run it. A rebuild keeps <outdir>/dist/ui, which build-ui.mjs rebuilds only when its
// inputs changed, and <outdir>/node_modules (the embedded database's initdb template is cached
// there, embedded-template.ts); everything else is made anew. Usage: node scripts/build-app.mjs
// [--outdir <path>]   (default dist/app)
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ?? join(root, "dist", "app");

/** Source trees of the server; the browser code is bundled separately by build-ui.mjs. */
const TREES = ["src", "gen"];
const BROWSER_ONLY = join("src", "ui", "client");

function filesOf(tree) {
  return readdirSync(join(root, tree), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)))
    .filter((path) => !path.startsWith(`${BROWSER_ONLY}/`));
}

/** What a rebuild keeps: caches that are costly to make again and that no source change makes stale by itself. */
const KEPT = [join("dist", "ui"), "node_modules"];

/** Empties `directory` but for the KEPT paths under `outdir` (and the directories that lead to them). */
function clear(directory) {
  if (!existsSync(directory)) return;
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    const inOutdir = relative(outdir, path);
    if (KEPT.includes(inOutdir)) continue;
    if (KEPT.some((kept) => kept.startsWith(`${inOutdir}/`))) clear(path);
    else rmSync(path, { recursive: true, force: true });
  }
}

clear(outdir);
mkdirSync(outdir, { recursive: true });

const files = TREES.flatMap(filesOf);
const typescript = files.filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"));
await build({
  absWorkingDir: root,
  entryPoints: typescript,
  outdir,
  outbase: ".",
  bundle: false,
  format: "esm",
  platform: "node",
  target: "node20.19", // package.json engines; below 20.10 esbuild would drop the JSON imports' `with { type: "json" }`
  logLevel: "warning",
});
for (const path of files.filter((path) => !path.endsWith(".ts"))) {
  mkdirSync(dirname(join(outdir, path)), { recursive: true });
  copyFileSync(join(root, path), join(outdir, path));
}

// Scripts that run a TypeScript entry point through tsx run its compiled twin, and those that run
// a compiled entry point of this build (`npm start`: node flags, then dist/app/src/main.js) run it
// from here, with the same flags; the others (build, test, generate, ...) need the repository and
// its dev dependencies, so they are left out.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const TSX_ENTRY = /^node --import tsx (src\/\S+)\.ts$/;
const BUILT_ENTRY = /^node ((?:--\S+ )*)dist\/app\/(src\/\S+\.js)$/;
function compiledCommand(command) {
  const tsx = TSX_ENTRY.exec(command);
  if (tsx) return `node ${tsx[1]}.js`;
  const built = BUILT_ENTRY.exec(command);
  return built ? `node ${built[1]}${built[2]}` : undefined;
}
pkg.scripts = Object.fromEntries(
  Object.entries(pkg.scripts)
    .map(([name, command]) => [name, compiledCommand(command)])
    .filter(([, command]) => command),
);
writeFileSync(join(outdir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
copyFileSync(join(root, "package-lock.json"), join(outdir, "package-lock.json"));

execFileSync(process.execPath, [join(root, "scripts", "build-ui.mjs"), "--outdir", join(outdir, "dist", "ui")], { stdio: "inherit" });
console.log(`${relative(process.cwd(), outdir) || outdir}: ${typescript.length} modules, scripts: ${Object.keys(pkg.scripts).join(", ")}`);
