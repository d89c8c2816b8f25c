// What a gRPC call costs the CLIENT, by client library: @grpc/grpc-js against Connect's gRPC
// transport (@connectrpc/connect-node), both over h2c to the real server (bench/auth-bench-server.ts
// on a fresh database, pinned to CPU 0), 16 calls in flight on one HTTP/2 connection, the unary
// Health Check. This process (pinned to CPU 1) alternates the two libraries in rounds and reports
// its own CPU time per call for each: the load generator's share of a gRPC benchmark, which on this
// 2-core machine shares CPU 1 with Postgres. It is why bench:auth's gRPC login and bench's gRPC
// rows keep @grpc/grpc-js (docs/performance.md, "Where issue 22 stands", the gRPC login).
//
//   node --import tsx bench/grpc-client-cost.ts [--calls 20000] [--rounds 3]
import { spawn, spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { HealthService } from "../gen/svault/health/v1/health_service_pb.js";
import { createGrpcJsClient } from "../test/support/grpc-js-client.js";
import { LOADER_CPU, pinned, positive, SERVER_CPU } from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";

const { values: args } = parseArgs({ options: { calls: { type: "string" }, rounds: { type: "string" } } });
const calls = Math.round(positive("--calls", args.calls, 20_000));
const rounds = Math.round(positive("--rounds", args.rounds, 3));
const IN_FLIGHT = 16;

if (pinned) spawnSync("taskset", ["-a", "-p", "-c", LOADER_CPU, String(process.pid)], { stdio: "ignore" });
const database = await createBenchDatabase();
const benchDir = new URL(".", import.meta.url).pathname;
const server = spawn(
  pinned ? "taskset" : process.execPath,
  [...(pinned ? ["-c", SERVER_CPU, process.execPath] : []), "--import", "tsx", `${benchDir}auth-bench-server.ts`],
  {
    env: { ...process.env, DATABASE_URL: database.url, PORT: "0", SVAULT_KEK: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const line = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout as NodeJS.ReadableStream }).once("line", resolve);
  server.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
});
const target = `127.0.0.1:${(JSON.parse(line) as { grpcPort: number }).grpcPort}`;

type Check = () => Promise<unknown>;
const grpcJs = createGrpcJsClient(HealthService, target);
const session = new Http2SessionManager(`http://${target}`);
const connect = createClient(HealthService, createGrpcTransport({ baseUrl: `http://${target}`, sessionManager: session }));
const libraries: Record<string, Check> = {
  "@grpc/grpc-js": () => grpcJs.rpc.check({}),
  "Connect (connect-node)": () => connect.check({}),
};

/** `count` calls, IN_FLIGHT at a time; this process's CPU µs per call and the calls per second. */
async function measure(check: Check, count: number): Promise<{ cpuUs: number; perSecond: number }> {
  let left = count;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) await check();
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / count, perSecond: count / ((performance.now() - started) / 1000) };
}

const results = new Map<string, { cpuUs: number; perSecond: number }[]>();
const order = Object.entries(libraries);
for (const [, check] of order) await measure(check, calls / 2); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const [name, check] of round % 2 ? [...order].reverse() : order) {
    const result = await measure(check, calls);
    results.set(name, [...(results.get(name) ?? []), result]);
    process.stderr.write(
      `round ${round + 1} ${name}: ${result.cpuUs.toFixed(1)} µs of client CPU per call, ${Math.round(result.perSecond)} calls/s\n`,
    );
  }
}
grpcJs.close();
session.abort();
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));
await database.drop();

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
process.stdout.write(
  `| client library | client CPU µs per Health Check (median of ${rounds}; range) | calls/s (median) |\n|---|---:|---:|\n`,
);
for (const [name, list] of results) {
  const cpu = list.map((r) => r.cpuUs);
  process.stdout.write(
    `| ${name} | ${median([...cpu]).toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) | ${Math.round(median(list.map((r) => r.perSecond)))} |\n`,
  );
}
