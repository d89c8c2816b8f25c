// Where a login's main-thread time goes, by layer, from a server's V8 CPU profile (`npm run
// bench:auth -- --scenarios login --cpu-prof DIR`): each sample goes to the OPAQUE wasm the login
// calls (under src/domain/login), the database client (a frame of src/persistence or pg on its
// stack), the login's own code (src/domain, src/crypto), or else the transport (Node's HTTP,
// Fastify, REST transcoding, Connect, interceptors); garbage collection, V8's "(program)" and
// idle apart. With --dump LAYER, that layer's functions by self time. The same split of a
// client_credentials profile (no wasm, no statements) shows that endpoint's transport per request,
// for comparison (docs/performance.md, "The login over REST: where its extra CPU went").
//
//   node --import tsx bench/auth-login-layers.ts PROFILE --from S --to S --requests N [--dump transport] [--top 40]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CallFrame, Profile, ProfileNode } from "./cpu-profile.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    requests: { type: "string" },
    dump: { type: "string" },
    top: { type: "string" },
  },
});
const file = positionals[0];
if (!file || !args.requests) {
  process.stderr.write("usage: auth-login-layers.ts PROFILE --from S --to S --requests N [--dump LAYER] [--top N]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const requests = Number(args.requests);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const SPECIAL = new Map([
  ["(idle)", "idle"],
  ["(garbage collector)", "gc"],
  ["(program)", "program"],
]);
const layers = new Map<number, string>();
function layerOf(id: number): string {
  const known = layers.get(id);
  if (known !== undefined) return known;
  const frame = (byId.get(id) as ProfileNode).callFrame;
  const stack: CallFrame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push((byId.get(at) as ProfileNode).callFrame);
  const under = (pattern: RegExp) => stack.some((f) => pattern.test(f.url));
  const layer =
    SPECIAL.get(frame.functionName) ??
    (frame.url.startsWith("wasm")
      ? under(/src\/domain\/login/)
        ? "opaque wasm"
        : "other wasm"
      : under(/src\/persistence|node_modules\/pg/)
        ? "database client"
        : under(/src\/domain|src\/crypto/)
          ? "login code"
          : "transport");
  layers.set(id, layer);
  return layer;
}

const from = profile.startTime + Number(args.from ?? 0) * 1e6;
const to = args.to ? profile.startTime + Number(args.to) * 1e6 : Number.POSITIVE_INFINITY;
const byLayer = new Map<string, number>();
const byFunction = new Map<string, number>();
let at = profile.startTime;
profile.samples.forEach((sample, index) => {
  at += profile.timeDeltas[index] ?? 0;
  if (at < from || at > to) return;
  const us = profile.timeDeltas[index] ?? 0;
  const layer = layerOf(sample);
  byLayer.set(layer, (byLayer.get(layer) ?? 0) + us);
  if (layer === args.dump) {
    const frame = (byId.get(sample) as ProfileNode).callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/.*node_modules\//, "").replace(/.*\/src\//, "src/")}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
});
const perRequest = (us: number) => `${(us / requests).toFixed(1).padStart(8)} µs`;
for (const [layer, us] of [...byLayer].sort((a, b) => b[1] - a[1])) process.stdout.write(`${layer.padEnd(16)}${perRequest(us)}\n`);
if (args.dump) {
  process.stdout.write(`\n${args.dump}, by function (self time per request)\n`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top ?? 40))) {
    process.stdout.write(`${perRequest(us)}  ${key}\n`);
  }
}
