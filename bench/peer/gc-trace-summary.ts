// Reads the stderr of a bench:peer run whose servers ran with V8's --trace-gc-nvp
// (BENCH_SERVICE_NODE_FLAGS="--expose-gc --trace-gc-nvp" BENCH_PEER_NODE_FLAGS=--trace-gc-nvp) and
// says, per server and window, what its young generation promoted into the old one: the bytes
// allocated and promoted in its scavenges, the share promoted, the full (mark-compact) collections
// and the heap's size before the largest of them. A window's lines are those the server logged
// after the previous window's result line and before its own (only that server is loaded then;
// its probe and warm-up included). Per request: divided by req/s × (warm-up + measured seconds),
// given as arguments, an estimate. Usage: node --import tsx bench/peer/gc-trace-summary.ts STDERR_FILE WARMUP_S DURATION_S
import { readFileSync } from "node:fs";

const [file, warmup = "0", duration = "0"] = process.argv.slice(2);
if (!file) throw new Error("usage: gc-trace-summary.ts STDERR_FILE WARMUP_S DURATION_S");
const windowSeconds = Number(warmup) + Number(duration);
const field = (line: string, name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
interface Totals {
  allocated: number;
  promoted: number;
  scavenges: number;
  markCompacts: number;
  largestBefore: number;
}
const empty = (): Totals => ({ allocated: 0, promoted: 0, scavenges: 0, markCompacts: 0, largestBefore: 0 });
const pending = new Map<string, Totals>();
const MiB = 2 ** 20;
console.log(
  "| round | endpoint | server | req/s | allocated MiB (per request, KiB) | promoted MiB (per request, KiB) | promoted ÷ allocated | mark-compacts (largest heap before, MiB) |",
);
console.log("|---|---|---|---:|---:|---:|---:|---:|");
for (const line of readFileSync(file, "utf8").split("\n")) {
  const gc = /^\[bench:peer\] ([\w-]+): \[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: .*\bgc=(\w+)/.exec(line);
  if (gc) {
    const [, server = "", kind] = gc;
    const totals = pending.get(server) ?? empty();
    if (kind === "s") {
      totals.scavenges++;
      totals.allocated += field(line, "allocated");
      totals.promoted += field(line, "promoted");
    } else if (kind === "ms" || kind === "mc") {
      totals.markCompacts++;
      totals.allocated += field(line, "allocated");
      totals.largestBefore = Math.max(totals.largestBefore, field(line, "total_size_before"));
    }
    pending.set(server, totals);
    continue;
  }
  const window = /^\[bench:peer\] round (\d+) (\w+) ([\w-]+): ([\d,]+) req\/s/.exec(line);
  if (window) {
    const [, round, endpoint, server = "", rate = "0"] = window;
    const t = pending.get(server) ?? empty();
    const requests = Number(rate.replaceAll(",", "")) * windowSeconds;
    const perRequest = (bytes: number) => (requests > 0 ? ` (${(bytes / 1024 / requests).toFixed(1)})` : "");
    console.log(
      `| ${round} | ${endpoint} | ${server} | ${rate} | ${(t.allocated / MiB).toFixed(0)}${perRequest(t.allocated)} | ${(t.promoted / MiB).toFixed(1)}${perRequest(t.promoted)} | ` +
        `${t.allocated ? ((t.promoted / t.allocated) * 100).toFixed(2) : "n/a"} % | ${t.markCompacts} (${(t.largestBefore / MiB).toFixed(0)}) |`,
    );
    // Everything logged before a window's result line belongs to it or to set-up: start afresh for every server.
    pending.clear();
  }
}
