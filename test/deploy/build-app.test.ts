// scripts/build-app.mjs, which `npm start` runs before every start: the built tree's package.json
// runs the compiled service with the flags of `npm start`, and a rebuild makes the code anew while
// it keeps the caches that are slow to make (the hosted pages' assets, the initdb template).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";
import { REPO } from "./yaml-files.js";

const BUILD = fileURLToPath(new URL("scripts/build-app.mjs", REPO));
const build = (outdir: string) => execFileSync(process.execPath, [BUILD, "--outdir", outdir], { stdio: "ignore" });
const scriptsOf = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { scripts: Record<string, string> }).scripts;

describe("the production build (scripts/build-app.mjs)", () => {
  it("runs the compiled entry points with npm start's flags, and a rebuild keeps only its caches", () => {
    const outdir = join(tempDir("build-app"), "app");
    build(outdir);
    const repoStart = scriptsOf(fileURLToPath(new URL("package.json", REPO))).start as string;
    const built = scriptsOf(join(outdir, "package.json"));
    assert.match(repoStart, /^node (--\S+ )*dist\/app\/src\/main\.js$/, "npm start runs the build");
    assert.equal(built.start, repoStart.replace("dist/app/", ""), "the same flags, from the built tree");
    assert.equal(built.migrate, "node src/cli/migrate.js");
    assert.ok(existsSync(join(outdir, "src", "main.js")));

    const template = join(outdir, "node_modules", ".cache", "svault", "template.tar");
    mkdirSync(join(template, ".."), { recursive: true });
    writeFileSync(template, "kept");
    const stale = join(outdir, "src", "removed-since.js");
    writeFileSync(stale, "");
    const manifest = join(outdir, "dist", "ui", "manifest.json");
    const assetsBuiltAt = statSync(manifest).mtimeMs;

    build(outdir);
    assert.equal(readFileSync(template, "utf8"), "kept", "node_modules (the initdb template's cache) is kept");
    assert.equal(statSync(manifest).mtimeMs, assetsBuiltAt, "the hosted pages' assets are not rebuilt from the same sources");
    assert.ok(!existsSync(stale), "a file the sources no longer make is gone");
    assert.ok(existsSync(join(outdir, "src", "main.js")));
  });
});
