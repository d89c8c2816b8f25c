// The `svault` executable as package.json's "bin" installs it: src/cli/bin.mjs, which runs the
// CLI's TypeScript through tsx. (The other CLI tests run its production build: run-cli.ts.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const PACKAGE = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
  bin: { svault: string };
};

describe("the svault bin", () => {
  it("runs the CLI from its TypeScript: --version is the package's, --help its usage", async () => {
    const bin = new URL(`../../${PACKAGE.bin.svault}`, import.meta.url).pathname;
    const run = (args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { cwd: "/" });
    assert.equal((await run(["--version"])).stdout.trim(), PACKAGE.version);
    assert.match((await run(["--help"])).stdout, /^Usage: svault \[options\] \[command\]\n/);
  });
});
