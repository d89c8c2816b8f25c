// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. `npm run bench:auth -- --cpu-prof DIR`):
// where the samples of a time window went, by function (self time, and total time: the function
// and everything it called) and by where the code lives (our src/ and gen/ directories, each
// dependency, Node's internals, garbage collection, idle). Times are per request when
// `--requests N` says how many requests the window served.
//
//   node --import tsx bench/cpu-profile-summary.ts PROFILE [--last S] [--skip S] [--to S] [--window FILE] [--top N] [--requests N] [--match TEXT]
//
// --last S      only the last S seconds of the profile (the measured window is at its end when
//               the server was stopped right after it)
// --skip S      leave out the first S seconds (start-up and set-up)
// --to S        leave out what follows the first S seconds (with --skip: one window of a run)
// --match TEXT  also list the callers' chain of the functions whose name or file contains TEXT
// --window FILE the window.json to use (one process served several windows, e.g. bench/spine-floor.ts);
//               with its `requests`, --requests is not needed
//
// Without --skip/--to/--last, a `window.json` beside the profile or one directory up
// (`{"from": µs, "to": µs}` of the monotonic clock the profile's times use, as bench/scim-bench.ts
// writes it for its measured requests) sets the window: not the start-up, seeding or warm-up.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { CallFrame, Profile, ProfileNode } from "./cpu-profile.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    last: { type: "string" },
    skip: { type: "string" },
    to: { type: "string" },
    top: { type: "string" },
    requests: { type: "string" },
    match: { type: "string" },
    window: { type: "string" },
  },
});
const file = positionals[0];
if (!file) {
  process.stderr.write(
    "usage: cpu-profile-summary.ts PROFILE [--last S] [--skip S] [--to S] [--window FILE] [--top N] [--requests N] [--match TEXT]\n",
  );
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const top = Number(args.top ?? 40);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** Where a frame's code lives: src/…, gen/, a package, node internals, or a V8 pseudo-frame. */
function placeOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return `(${functionName || "anonymous"})`;
  if (url.startsWith("node:")) return "node:internal";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/(src\/[^/]+(?:\/[^/]+)?|gen|bench)\//.exec(url);
  if (ours) return ours[1] as string;
  return url;
}

function keyOf(frame: CallFrame): string {
  const where =
    frame.url === "" ? "" : ` ${frame.url.replace(/^.*?(node_modules\/|\/src\/|\/gen\/|\/bench\/)/, "$1")}:${frame.lineNumber + 1}`;
  return `${frame.functionName || "(anonymous)"}${where}`;
}

// The window: sample times are the start time plus the running sum of the deltas.
const times: number[] = [];
let t = profile.startTime;
for (const delta of profile.timeDeltas) {
  t += delta;
  times.push(t);
}
const windowFile =
  args.window ??
  (args.skip || args.to || args.last
    ? undefined
    : [join(dirname(file), "window.json"), join(dirname(file), "..", "window.json")].find((path) => existsSync(path)));
const measured = windowFile ? (JSON.parse(readFileSync(windowFile, "utf8")) as { from: number; to: number; requests?: number }) : undefined;
const requests = args.requests ? Number(args.requests) : measured?.requests;
const from = measured?.from ?? profile.startTime + Number(args.skip ?? 0) * 1e6;
const lastFrom = args.last ? profile.endTime - Number(args.last) * 1e6 : Number.NEGATIVE_INFINITY;
const windowStart = Math.max(from, lastFrom);
const windowEnd = measured?.to ?? (args.to ? profile.startTime + Number(args.to) * 1e6 : Number.POSITIVE_INFINITY);

const self = new Map<string, number>();
const total = new Map<string, number>();
const places = new Map<string, number>();
const chains = new Map<string, number>();
let windowUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const at = times[i] as number;
  if (at < windowStart || at > windowEnd) continue;
  // A sample's time is the delta to the next sample (the last one gets the mean).
  const next = times[i + 1];
  const us = next === undefined ? 0 : next - at;
  windowUs += us;
  const leaf = byId.get(profile.samples[i] as number) as ProfileNode;
  self.set(keyOf(leaf.callFrame), (self.get(keyOf(leaf.callFrame)) ?? 0) + us);
  places.set(placeOf(leaf.callFrame), (places.get(placeOf(leaf.callFrame)) ?? 0) + us);
  const seen = new Set<string>();
  const stack: string[] = [];
  for (let id: number | undefined = leaf.id; id !== undefined; id = parentOf.get(id)) {
    const key = keyOf((byId.get(id) as ProfileNode).callFrame);
    stack.push(key);
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + us);
  }
  if (args.match && stack.some((key) => key.includes(args.match as string))) {
    const index = stack.findIndex((key) => key.includes(args.match as string));
    const chain = stack
      .slice(index, index + 6)
      .map((key) => key.split(" ")[0])
      .join(" ← ");
    chains.set(chain, (chains.get(chain) ?? 0) + us);
  }
}

const busyUs = windowUs - (self.get("(idle)") ?? 0) - (self.get("(program)") ?? 0) * 0;
const share = (us: number) => `${((us / busyUs) * 100).toFixed(1).padStart(5)} %`;
const perRequest = (us: number) => (requests ? `${(us / requests).toFixed(1).padStart(7)} µs/req` : "");
const lines = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => `  ${share(us)} ${perRequest(us)}  ${key}`)
    .join("\n");

process.stdout.write(
  `${windowFile ? `samples of ${windowFile} only: ` : ""}window ${(windowUs / 1e6).toFixed(2)} s, not idle ${(busyUs / 1e6).toFixed(2)} s${requests ? `, ${requests} requests: ${(busyUs / requests).toFixed(0)} µs/req` : ""} (shares of the time not idle)\n\n` +
    `by place (self time)\n${lines(places, 30)}\n\nby function, self time\n${lines(self, top)}\n\n` +
    `by function, total time (with callees)\n${lines(total, top)}\n` +
    (args.match ? `\nchains through "${args.match}" (innermost first)\n${lines(chains, top)}\n` : ""),
);
