// The servers bench:peer measures, compiled as production runs them: svault's production build —
// scripts/build-app.mjs, the build `npm start` runs before `node --expose-gc dist/app/src/main.js`
// (esbuild, one file at a time, no bundling) — into its own directory, and beside its src/ the
// bench's entry points transpiled the same way: svault's bench server (bench/auth-bench-server.ts:
// the production services plus the statement counter), the peer (peer-server.ts, pg-adapter.ts)
// and the memory probe both are started with (memory-probe.ts). All then run with plain `node`,
// no loader: tsx's would add ≈ 50–75 MiB to each (docs/performance.md, "Memory").
import { join } from "node:path";
import { compileInto } from "../spine-floor-build.js";

const projectDir = new URL("../..", import.meta.url).pathname;
/** Its own directory, so that a bench run neither uses nor replaces what `npm start` built in dist/app. */
const OUTDIR = join("dist", "bench-peer");
const BENCH_ENTRIES = [
  "bench/auth-bench-server.ts",
  "bench/copied-headers.ts",
  "bench/peer/peer-server.ts",
  "bench/peer/pg-adapter.ts",
  "bench/peer/memory-probe.ts",
];

export interface CompiledServers {
  readonly svault: string;
  readonly peer: string;
  readonly memoryProbe: string;
}

export async function buildServers(log: (message: string) => void): Promise<CompiledServers> {
  const started = performance.now();
  await compileInto(projectDir, OUTDIR, BENCH_ENTRIES);
  log(
    `compiled svault (scripts/build-app.mjs) and the bench servers into ${OUTDIR} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const compiled = (entry: string) => join(projectDir, OUTDIR, entry.replace(/\.ts$/, ".js"));
  return {
    svault: compiled("bench/auth-bench-server.ts"),
    peer: compiled("bench/peer/peer-server.ts"),
    memoryProbe: compiled("bench/peer/memory-probe.ts"),
  };
}
