// `buf lint` passes both ways it is run: at the repository root (every module of buf.yaml, the
// third-party ones in proto-deps/ included, whose own conventions are not ours to lint) and on
// proto/ alone, as CI does. Needs proto-deps/ (scripts/test.sh fills it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));
const buf = join(root, "node_modules", ".bin", "buf");

async function bufLint(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(buf, ["lint", ...args], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("buf lint", () => {
  it("passes at the repository root, the third-party modules included", async () => {
    assert.deepEqual(await bufLint(), { code: 0, output: "" });
  });

  it("passes on proto/, as CI runs it", async () => {
    assert.deepEqual(await bufLint("proto"), { code: 0, output: "" });
  });
});
