// A checkout's server compiled as production runs it, for the benchmarks that count or time one
// request of it (bench/spine-floor.ts, bench/request-instructions.ts --built): the checkout's own
// scripts/build-app.mjs (esbuild, one file at a time, as `npm start` runs it) into
// DIR/dist/bench-spine, and beside its src/ the bench servers transpiled the same way. They then
// run with plain `node` and `npm start`'s node flags: through tsx the service runs esbuild's
// `keepNames` wrappers (an `Object.defineProperty` per named closure made) and its loader, which
// production has not, so a per-request figure through tsx is not production's.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { startNodeFlags } from "./bench-machine.js";

/** Its own directory: neither `npm start`'s dist/app nor bench:peer's dist/bench-peer is replaced. */
const OUTDIR = join("dist", "bench-spine");
/** The bench servers besides the service (those a checkout has: an older one may lack some). */
const BENCH_ENTRIES = [
  "bench/auth-bench-server.ts",
  "bench/copied-headers.ts",
  "bench/spine-floor-server.ts",
  "bench/peer/peer-server.ts",
  "bench/peer/pg-adapter.ts",
];

export interface CompiledCheckout {
  /** bench/auth-bench-server.ts of the checkout, compiled. */
  readonly benchServer: string;
  /** bench/spine-floor-server.ts of the checkout, compiled (the lower rungs). */
  readonly spineFloorServer: string;
  /** bench/peer/peer-server.ts (oidc-provider), compiled as bench:peer runs it. */
  readonly peerServer: string;
  /** `npm start`'s node flags in the checkout's package.json (e.g. --no-concurrent-marking). */
  readonly nodeFlags: readonly string[];
}

/**
 * Compiles checkout `dir` (with its node_modules) into dir/dist/bench-spine; with `reuse`, uses
 * the build there as it is (so that a run does not rebuild under another run's server).
 */
export async function compileCheckout(dir: string, log: (message: string) => void = () => {}, reuse = false): Promise<CompiledCheckout> {
  const compiled = (entry: string) => join(dir, OUTDIR, entry.replace(/\.ts$/, ".js"));
  const checkout = {
    benchServer: compiled("bench/auth-bench-server.ts"),
    spineFloorServer: compiled("bench/spine-floor-server.ts"),
    peerServer: compiled("bench/peer/peer-server.ts"),
    nodeFlags: startNodeFlags(dir),
  };
  if (reuse && existsSync(checkout.benchServer)) return checkout;
  const started = performance.now();
  await compileInto(dir, OUTDIR, BENCH_ENTRIES);
  log(`compiled ${dir} into ${OUTDIR} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return checkout;
}

/** Checkout `dir`'s service (its scripts/build-app.mjs) and the bench `entries` it has, compiled into dir/`outdir` as production runs them. */
export async function compileInto(dir: string, outdir: string, entries: readonly string[]): Promise<void> {
  execFileSync(process.execPath, [join(dir, "scripts", "build-app.mjs"), "--outdir", join(dir, outdir)], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  await build({
    absWorkingDir: dir,
    entryPoints: entries.filter((entry) => existsSync(join(dir, entry))),
    outdir,
    outbase: ".",
    bundle: false,
    format: "esm",
    platform: "node",
    target: "node20.19", // as scripts/build-app.mjs
    logLevel: "warning",
  });
}
