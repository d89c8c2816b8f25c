// Copies the third-party .proto files that buf.yaml's other modules need out of npm packages
// (pinned in package-lock.json) into proto-deps/ (ignored by git), so that no copy of them is
// committed and buf needs no network access to the Buf Schema Registry. Run by
// `npm run generate` and by the test script (the OpenAPI tests run buf themselves).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

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
