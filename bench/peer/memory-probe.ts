// A preload (`node --import …/memory-probe.js`) that bench:peer starts each server with, svault and
// the peer alike, so that it can read their heaps between windows without touching the servers'
// code: a listener of its own on 127.0.0.1:BENCH_MEMORY_PROBE_PORT, apart from the server's
// (nothing of it runs per request; it keeps no reference to the server's objects).
//   GET  /memory[?gc=1]           process.memoryUsage(), v8.getHeapStatistics() and the used and
//                                 committed bytes of each heap space; with gc=1 after a full
//                                 collection (what is live, not garbage not yet collected); and the
//                                 highest V8 heap seen since the previous /memory (sampled every
//                                 250 ms: getHeapStatistics, a few µs, outside any request)
//   POST /heap-snapshot?path=P    v8.writeHeapSnapshot(P) (blocks the server while it writes; for
//                                 bench:peer's --heap-snapshot, between windows only)
import http from "node:http";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/** A full collection on request, whether or not the server was started with --expose-gc (the peer is not). */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const port = Number(process.env.BENCH_MEMORY_PROBE_PORT);
if (port) {
  let peak = { physical: 0, used: 0 };
  const sample = () => {
    const heap = v8.getHeapStatistics();
    peak = { physical: Math.max(peak.physical, heap.total_physical_size), used: Math.max(peak.used, heap.used_heap_size) };
  };
  setInterval(sample, 250).unref();
  const probe = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://probe");
    let answer: unknown;
    if (req.method === "GET" && url.pathname === "/memory") {
      if (url.searchParams.get("gc") === "1") collector()();
      sample();
      answer = {
        peakSincePrevious: peak,
        memoryUsage: process.memoryUsage(),
        heap: v8.getHeapStatistics(),
        spaces: Object.fromEntries(
          v8
            .getHeapSpaceStatistics()
            .map((space) => [space.space_name, { used: space.space_used_size, committed: space.physical_space_size }]),
        ),
      };
    } else if (req.method === "POST" && url.pathname === "/heap-snapshot" && url.searchParams.get("path")) {
      answer = { path: v8.writeHeapSnapshot(url.searchParams.get("path") as string) };
    } else {
      res.writeHead(404).end();
      return;
    }
    if (url.pathname === "/memory") peak = { physical: 0, used: 0 };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  probe.listen(port, "127.0.0.1");
  // The server's own shutdown decides when the process ends.
  probe.unref();
}
