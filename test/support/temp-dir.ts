// A fresh directory under the OS temp dir, removed when the test process (a test worker, which runs
// many files) exits, so that test runs leave nothing behind.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `svault-${prefix}-`));
  created.push(dir);
  return dir;
}
