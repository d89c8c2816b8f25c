// Regenerates gen/ from proto/. Third-party .proto files are copied out of npm packages
// (pinned in package-lock.json) into proto-deps/, so no copy of them is committed and buf
// needs no network access to the Buf Schema Registry.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), "..");
const deps = join(root, "proto-deps");
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

const copies = [
  ["google-proto-files", "google/api/annotations.proto", "googleapis"],
  ["google-proto-files", "google/api/http.proto", "googleapis"],
  ["google-proto-files", "google/api/httpbody.proto", "googleapis"],
  ["google-proto-files", "google/rpc/error_details.proto", "googleapis"],
  ["grpc-health-check", "proto/health/v1/health.proto", "grpc", "grpc/health/v1/health.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1/reflection.proto", "grpc", "grpc/reflection/v1/reflection.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1alpha/reflection.proto", "grpc", "grpc/reflection/v1alpha/reflection.proto"],
];

rmSync(deps, { recursive: true, force: true });
for (const [pkg, from, module, to = from] of copies) {
  const target = join(deps, module, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(packageDir(pkg), from), target);
}

const buf = join(root, "node_modules", ".bin", "buf");
execFileSync(buf, ["generate"], { cwd: root, stdio: "inherit" });
