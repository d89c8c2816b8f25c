// The test files' TypeScript loader: `node --import ./test/support/ts-loader.mjs` (scripts/test.sh).
// It does for the tests what tsx does for the benchmarks and the child processes the tests start
// — esbuild strips each file's types on its own — and nothing else. tsx's hooks resolve every import of every module (the
// dependencies' too) through its own resolver: ≈ 0.6 s of CPU per test process, a third of what
// importing the service cost a test file (docs/performance.md, "Where issue 22 stands"). Here the
// hooks step in only for a relative `.js` import from a TypeScript file whose `.ts` twin exists,
// and for loading `.ts` files; the rest is Node's own resolution.
import { register } from "node:module";

register("./ts-loader-hooks.mjs", import.meta.url);
// A failing test's stack names the TypeScript file and line, as under tsx.
process.setSourceMapsEnabled(true);
