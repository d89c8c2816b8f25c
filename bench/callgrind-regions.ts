// Self cost of a callgrind dump (callgrind_control -d's file) by kind of code: JIT code by its
// address region (V8's wasm code space and its JavaScript code are far apart, so the region of
// OPAQUE's wasm is the one with most instructions in a login-only run), V8's garbage collector,
// the C++ helper wasm's memory.copy calls, and the rest. For bench/opaque-warmth-cg.sh.
//
//   node --import tsx bench/callgrind-regions.ts DUMP [--per N]   (N: divide by, e.g. the logins)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: "string", default: "1" } } });
const per = Number(args.per);
for (const file of positionals) {
  const names = new Map<string, string>();
  let events: string[] = [];
  let group = "other";
  let skipNext = false;
  const totals = new Map<string, number[]>();
  const groupOf = (name: string) => {
    const jit = /^0x([0-9a-f]+)$/.exec(name);
    if (jit) return `jit ${(jit[1] as string).slice(0, -5)}…`; // 1 MiB regions
    if (name.includes("memory_copy_wrapper")) return "wasm memory.copy (C++)";
    if (/Sweep|Mark|Scaveng|Evacuat|LiveObject|SizeFromMap|Visitor|Heap|Compact/.test(name)) return "gc";
    return "other";
  };
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("events:")) events = line.split(/\s+/).slice(1);
    else if (line.startsWith("fn=") || line.startsWith("cfn=")) {
      // Names are compressed: "(id) name" the first time (as a caller or callee), "(id)" after.
      const m = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (!m) continue;
      if (m[2]) names.set(m[1] as string, m[2]);
      if (line.startsWith("fn=")) group = groupOf(names.get(m[1] as string) ?? "?");
    } else if (line.startsWith("calls=")) {
      skipNext = true; // the next cost line is the call's inclusive cost, not this function's
    } else if (/^[0-9+*-]/.test(line)) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const costs = line.trim().split(/\s+/).slice(1).map(Number);
      const sum = totals.get(group) ?? new Array(events.length).fill(0);
      costs.forEach((c, i) => {
        sum[i] += c;
      });
      totals.set(group, sum);
    }
  }
  process.stdout.write(`${file}${per !== 1 ? ` (÷ ${per})` : ""}\n`);
  const rows = [...totals].sort((a, b) => (b[1][0] ?? 0) - (a[1][0] ?? 0)).slice(0, 6);
  for (const [group, sum] of rows)
    process.stdout.write(`  ${group.padEnd(24)} ${events.map((e, i) => `${e} ${Math.round((sum[i] ?? 0) / per)}`).join(" ")}\n`);
}
