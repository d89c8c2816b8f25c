// The README promises Node.js ≥ 20.19 (package.json `engines`). Every package `npm ci` installs
// must run there: one that asks for a newer Node (cookie@2 wanted ≥ 22, pulled by
// light-my-request; package.json `overrides` pins a 1.x that has the same API) makes npm ci warn
// and may use what Node 20 lacks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";

const semver = createRequire(import.meta.url)("semver") as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"));
const manifest = read("package.json") as { engines: { node: string } };
const lock = read("package-lock.json") as { packages: Record<string, LockEntry> };

describe("the Node.js version the README promises", () => {
  it("runs every package of the lock file (dependencies and dev dependencies)", () => {
    const oldest = semver.minVersion(manifest.engines.node)?.version as string;
    assert.equal(oldest, "20.19.0");
    const tooNew = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = entry.engines && !Array.isArray(entry.engines) ? (entry.engines as { node?: string }).node : undefined;
      return range && !semver.satisfies(oldest, range) ? [`${path}@${entry.version}: node ${range}`] : [];
    });
    assert.deepEqual(tooNew, []);
  });
});
