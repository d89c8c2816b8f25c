// The production build (scripts/build-app.mjs: what the Dockerfile runs) of this working tree, for
// the tests that run the service's programs as child processes. Started through tsx
// (`node --import tsx src/cli/svault.ts`), each CLI call cost ≈ 1.7 s of CPU, ≈ 1 s of it tsx's
// module hooks; its compiled twin starts for ≈ 0.75 s.
//
// The build lives in dist/test-app/<hash of its sources>, so it is never stale: a change to src/,
// gen/ or the build scripts makes a new one. scripts/test.sh makes it before the test files run;
// a test file run on its own makes it on first use. Test files running side by side that make it
// at the same time each build into a directory of their own and rename it into place: the first
// rename wins, the others' copies are removed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const BUILDS = join(ROOT, "dist", "test-app");
/** What the build is made of: its sources and the scripts that make it. */
const INPUTS = ["src", "gen", "package.json", join("scripts", "build-app.mjs"), join("scripts", "build-ui.mjs")];

function inputsHash(): string {
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    const path = join(ROOT, input);
    const files = statSync(path).isDirectory()
      ? readdirSync(path, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name))
          .sort()
      : [path];
    for (const file of files) hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

let current: string | undefined;

/** The directory of a production build of the working tree as it is now, made if there is none. */
export function appBuild(): string {
  if (current) return current;
  const dir = join(BUILDS, inputsHash());
  if (!existsSync(join(dir, "package.json"))) {
    const making = `${dir}.making-${process.pid}`;
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-app.mjs"), "--outdir", making], { stdio: "ignore" });
    try {
      renameSync(making, dir);
    } catch (error) {
      // Another test process put the same build there first.
      rmSync(making, { recursive: true, force: true });
      if (!existsSync(join(dir, "package.json"))) throw error;
    }
  }
  current = dir;
  return dir;
}

/** `node <build>/<entry>.js`: the compiled twin of a TypeScript entry point, e.g. `src/cli/svault.ts`. */
export function compiledEntry(entry: string): string {
  return join(appBuild(), entry.replace(/\.ts$/, ".js"));
}

// `node --import tsx test/support/app-build.ts` (scripts/test.sh): make it before the test files
// need it, and remove the builds of earlier sources.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dir = appBuild();
  for (const name of readdirSync(BUILDS)) if (join(BUILDS, name) !== dir) rmSync(join(BUILDS, name), { recursive: true, force: true });
  console.log(relative(ROOT, dir));
}
