// Runs the OpenAPI plugin (scripts/protoc-gen-openapi.ts) through buf, as `npm run generate`
// does, into a temporary directory, and returns the document it wrote. Needs proto-deps/, which
// scripts/proto-deps.mjs fills (run by `npm test` and `npm run generate`).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { OUTPUT_FILE } from "../../scripts/protoc-gen-openapi/plugin.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const buf = join(root, "node_modules", ".bin", "buf");

export interface PluginRun {
  /** Plugin options, as in buf.gen.yaml's `opt`. */
  readonly opt?: readonly string[];
  /** Limits the files to generate for (buf's `--path`); default: the whole workspace. */
  readonly paths?: readonly string[];
}

export async function runOpenApiPlugin(run: PluginRun = {}): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), "svault-openapi-"));
  try {
    // The same entry as in buf.gen.yaml, with this Node binary rather than the first on PATH.
    const plugin = {
      local: [process.execPath, "--import", "tsx", "scripts/protoc-gen-openapi.ts"],
      out: ".",
      strategy: "all",
      opt: run.opt ?? [],
    };
    const template = JSON.stringify({ version: "v2", plugins: [plugin] });
    const paths = (run.paths ?? []).flatMap((path) => ["--path", path]);
    await promisify(execFile)(buf, ["generate", "--template", template, "-o", out, ...paths], { cwd: root });
    return await readFile(join(out, OUTPUT_FILE), "utf8");
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
