// Regenerates gen/ from proto/, after copying the third-party .proto files into proto-deps/
// (scripts/proto-deps.mjs).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import "./proto-deps.mjs";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const buf = join(root, "node_modules", ".bin", "buf");
execFileSync(buf, ["generate"], { cwd: root, stdio: "inherit" });
