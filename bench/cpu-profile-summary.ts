// `node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]`: where a process spent
// its CPU, from a V8 profile (`node --cpu-prof`, e.g. `BENCH_SCIM_CPU_PROF=dir npm run bench:scim`).
// Prints self time by area (a package under node_modules, a directory of src/, node's internals,
// the garbage collector, idle) and by function, in % of the busy (non-idle) samples. Self time is
// the time a function ran its own code, not its callees'. Then the inclusive time (with callees)
// of the project's own functions (src/), to see which step of a request costs what.
// When a `window.json` (`{"from": µs, "to": µs}` of the monotonic clock, as bench/scim-bench.ts
// writes it for its measured requests) lies beside the profile or one directory up, only the
// samples in that window count: not the start-up, the seeding or the warm-up.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const windowFile = [join(dirname(file), "window.json"), join(dirname(file), "..", "window.json")].find((path) => existsSync(path));
const window = windowFile ? (JSON.parse(readFileSync(windowFile, "utf8")) as { from: number; to: number }) : undefined;

/** Where a frame's code lives: a package, a directory of the project, or what V8 and node call it. */
function areaOf({ functionName, url }: ProfileNode["callFrame"]): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node:internals";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] as string;
  const source = /\/(src|gen|bench)\/(.*)\/[^/]+$/.exec(url);
  if (source) return `${source[1]}/${source[2]}`;
  return url.replace(/^file:\/\//, "");
}

function functionOf({ functionName, url, lineNumber }: ProfileNode["callFrame"]): string {
  const where = url === "" ? "" : ` ${url.replace(/^file:\/\/.*?\/(node_modules|src|gen|bench)\//, "$1/")}:${lineNumber + 1}`;
  return `${functionName || "(anonymous)"}${where}`;
}

const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const byArea = new Map<string, number>();
const inclusive = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
let idle = 0;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const node = nodes.get(profile.samples[i] as number);
  const micros = profile.timeDeltas[i] ?? 0;
  at += micros;
  if (!node || (window && (at < window.from || at > window.to))) continue;
  total += micros;
  if (node.callFrame.functionName === "(idle)") {
    idle += micros;
    continue;
  }
  const area = areaOf(node.callFrame);
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
  const fn = functionOf(node.callFrame);
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame || !/\/src\//.test(frame.url) || /node_modules/.test(frame.url)) continue;
    const key = functionOf(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
}
const busy = total - idle;
const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
const lines = [
  ...(window ? [`samples of ${windowFile} only`] : []),
  `${file}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / total).toFixed(1)} %)`,
  "",
  "self time by area (% of busy):",
  ...[...byArea].sort((a, b) => b[1] - a[1]).map(([area, micros]) => `  ${pct(micros)}  ${area}`),
  "",
  `self time by function, top ${top} (% of busy):`,
  ...[...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, micros]) => `  ${pct(micros)}  ${fn}`),
  "",
  `inclusive time of src/ functions, top ${top} (% of busy):`,
  ...[...inclusive]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, micros]) => `  ${pct(micros)}  ${fn}`),
];
process.stdout.write(`${lines.join("\n")}\n`);
