// `npm run bench:login-ablation`: what each of svault's layers costs its login, measured by taking
// it away. A CPU profile spreads the login's CPU above its floor over some thirty functions of a few
// µs each (docs/performance.md); it cannot say what a layer costs with everything it causes (its
// promises, its allocations and their collection, the cache lines it takes). This measures that:
// each ablation is a patch (bench/login-ablations/<name>.patch) that leaves one layer out of a copy
// of this checkout's HEAD (a git worktree, node_modules linked); bench/auth-login-ab.ts then runs
// this checkout and the copy in alternating slices on CPU 0, with the OPAQUE ceiling, and the
// difference of their CPU per login is the layer's cost. "all" applies every ablation of the
// transport at once and adds the login's floor (a bare server doing the OPAQUE calls and svault's
// three statements) to the same rounds: what is left between svault without its layers and the
// floor is the login's own domain work (the throttle, the pending logins, sealing, the
// statements' rows).
//
// The patches are for measurement only: without the audit trail or the metrics, svault would not
// be the product the API reference describes. They are made against the source as it is; one that
// no longer applies is reported, not guessed at.
//
//   node --import tsx bench/login-ablation.ts [--ablations audit,metrics,hooks,spine-rest,all] [--transport rest|grpc] [--out NAME]
//
// Without --ablations: every ablation of the transport (over gRPC audit and metrics), then "all".
//
// BENCH_AB_ROUNDS and BENCH_AB_WARMUP_ROUNDS pass through to auth-login-ab.ts. Run it with this
// checkout's src/ committed: the copy is made from HEAD, the other side runs the working tree.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LoginShare } from "./auth-login-ab.js";
import { runScript } from "./run-script.js";

/** Each ablation: what it leaves out, and the transports it applies to. */
const ABLATIONS: Record<string, { readonly leavesOut: string; readonly transports: readonly string[] }> = {
  audit: {
    leavesOut: "the audit trail (auth events buffered and written in batches; the metrics still count them)",
    transports: ["rest", "grpc"],
  },
  metrics: {
    leavesOut:
      "the metrics: the RPC interceptor (count and duration per call), the HTTP duration histogram, prom-client's default collectors (event-loop-delay timer)",
    transports: ["rest", "grpc"],
  },
  hooks: {
    leavesOut:
      "the listener's global hooks: security headers and request id on every answer, the onResponse accounting (metrics and access log)",
    transports: ["rest"],
  },
  "spine-rest": {
    leavesOut:
      "the RPC spine for the two login routes: REST transcoding, Connect's handler context, the interceptor chain, protobuf messages (a plain Fastify route calls the login's domain code)",
    transports: ["rest"],
  },
};
const FLOOR_OF: Record<string, string> = { rest: "fastify-db", grpc: "http2-db" };

const { values: args } = parseArgs({
  options: {
    ablations: { type: "string" },
    transport: { type: "string", default: "rest" },
    out: { type: "string" },
  },
});
const transport = args.transport as string;
if (!FLOOR_OF[transport]) throw new Error(`--transport rest or grpc, not ${transport}`);
// By default every ablation of the transport, then all of them at once.
const names = (
  args.ablations ?? [...Object.keys(ABLATIONS).filter((key) => ABLATIONS[key]?.transports.includes(transport)), "all"].join(",")
)
  .split(",")
  .filter(Boolean);
for (const name of names) {
  if (name !== "all" && !ABLATIONS[name]) throw new Error(`unknown ablation ${name} (${Object.keys(ABLATIONS).join(", ")}, all)`);
  if (name !== "all" && !ABLATIONS[name]?.transports.includes(transport)) throw new Error(`ablation ${name} is not for ${transport}`);
}
const benchDir = new URL(".", import.meta.url).pathname;
const checkout = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const log = (text: string) => process.stderr.write(`[ablation] ${text}\n`);
const git = (...gitArgs: string[]) => execFileSync("git", ["-C", checkout, ...gitArgs], { encoding: "utf8" });
if (git("status", "--porcelain", "--", "src").trim() !== "")
  log("warning: src/ has uncommitted changes: this side runs them, the copies do not");

/** A copy of HEAD with `patches` applied, ready to run; removed by the returned function. */
function ablatedCopy(name: string, patches: readonly string[]): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `svault-ablation-${name}-`));
  rmSync(dir, { recursive: true });
  git("worktree", "add", "--detach", dir, "HEAD");
  const remove = () => {
    git("worktree", "remove", "--force", dir);
  };
  try {
    for (const patch of patches) execFileSync("git", ["-C", dir, "apply", `${benchDir}login-ablations/${patch}.patch`], { stdio: "pipe" });
    symlinkSync(join(checkout, "node_modules"), join(dir, "node_modules"));
  } catch (error) {
    remove();
    throw new Error(`${name}: a patch does not apply to HEAD (${(error as Error).message.split("\n")[0]})`);
  }
  return { dir, remove };
}

/** One auth-login-ab run of this checkout against `dir`: each side's share of the ceiling. */
async function abRun(dir: string, floor: string | undefined, file: string): Promise<LoginShare[]> {
  await runScript("auth-login-ab.ts", [dir], {
    BENCH_AB_CEILING: "1",
    BENCH_AB_TRANSPORT: transport,
    BENCH_AB_JSON: file,
    ...(floor ? { BENCH_AB_FLOOR: floor } : {}),
  });
  return JSON.parse(readFileSync(file, "utf8")) as LoginShare[];
}

const us = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (value: number) => `${value.toFixed(1)} %`;
const now = new Date();
const out = args.out ?? `login-ablation-${transport}-${now.toISOString().slice(11, 16).replace(":", "")}`;
const resultsDir = `${benchDir}results/`;
const rows: string[] = [];
for (const name of names) {
  const patches = name === "all" ? Object.keys(ABLATIONS).filter((key) => ABLATIONS[key]?.transports.includes(transport)) : [name];
  log(`${name}: ${patches.join(" + ")}`);
  const copy = ablatedCopy(name, patches);
  try {
    const floor = name === "all" ? FLOOR_OF[transport] : undefined;
    const shares = await abRun(copy.dir, floor, `${resultsDir}${out}-${name}.json`);
    const side = (label: string) => {
      const share = shares.find((s) => s.side === label);
      if (!share) throw new Error(`${name}: no side ${label} in the run's shares`);
      return share;
    };
    const whole = side("this");
    const without = side("other");
    const leavesOut = name === "all" ? `all of the above (${patches.join(", ")})` : (ABLATIONS[name]?.leavesOut as string);
    rows.push(
      `| ${name} | ${leavesOut} | ${us(whole.serverUsPerLogin)} | ${us(without.serverUsPerLogin)} | ${us(whole.serverUsPerLogin - without.serverUsPerLogin)} | ${percent(whole.sharePercent)} → ${percent(without.sharePercent)} |`,
    );
    if (floor) {
      const bare = side(`floor-${floor}`);
      rows.push(
        `| (floor) | ${floor}: the OPAQUE calls and svault's three statements on a bare server, in the same rounds | | ${us(bare.serverUsPerLogin)} | ${us(without.serverUsPerLogin - bare.serverUsPerLogin)} above it without the layers | ${percent(bare.sharePercent)} |`,
      );
    }
  } finally {
    copy.remove();
  }
}

const report = [
  `### svault's login without each of its layers, over ${transport.toUpperCase()} — ${now.toISOString()}`,
  "",
  `Each row: one auth-login-ab.ts run (${process.env.BENCH_AB_ROUNDS ?? 12} measured rounds after ${process.env.BENCH_AB_WARMUP_ROUNDS ?? 8} warm-up ones, alternating slices on CPU 0) of this checkout against a copy of its HEAD with the ablation's patch (bench/login-ablations/), with the OPAQUE ceiling in the same rounds; server CPU per login summed over the measured rounds.`,
  "",
  "| ablation | leaves out | svault µs/login | without it | its cost, µs/login | share of the ceiling |",
  "|---|---|---:|---:|---:|---:|",
  ...rows,
  "",
].join("\n");
process.stdout.write(report);
writeFileSync(`${resultsDir}${out}.md`, report);
log(`written to bench/results/${out}.md`);
