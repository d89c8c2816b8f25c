// `npm run bench:spine-floor`: what each layer under svault's JWKS answer costs per request, on
// this machine (issue 22). The same answer — svault's JWKS bytes and headers — is served by a
// ladder of servers, each a process pinned to CPU 0 (the load generator on CPU 1), each adding one
// layer of svault's HTTP path to the one before:
//
//   node-http          node:http alone
//   fastify            Fastify with svault's listener options (src/operations/http-listener.ts)
//   fastify+headers    + the onRequest hook of every answer (request id, security headers)
//   fastify+accounting + the onResponse hook (metrics, access log)
//   fastify+cors       + the CORS scope of the OIDC documents (src/transcoding/cors.ts)
//   svault-plain       svault's whole app (every route, plugin and hook) answering with a plain
//                      route (bench/auth-bench-server.ts, /__bench/copy/…): no RPC spine
//   svault             svault's REST JWKS route: transcoding, Connect, interceptors, the handler
//   peer               oidc-provider 9.13 (in-memory adapter, bench/peer/peer-server.ts) answering
//                      its own JWKS: the reference of bench:peer
//   svault@baseline    with --baseline DIR: svault's REST JWKS served by another checkout (with its
//                      node_modules, e.g. a worktree of main), for a before/after in the same run
//
// Each window: one probe, warm-up, then the measured window, 16 connections closed loop
// (bench/peer/load.ts); rounds alternate the rungs (the order reverses every other round). The
// table gives medians over rounds with their spread: req/s, and server CPU per request (the
// server process's utime+stime over the window, /proc/<pid>/stat, ÷ answers) with the kernel's
// part of it (stime): the read and the write of each answer, which every rung and the peer pay.
//
// Every server runs compiled, as production runs it (bench/spine-floor-build.ts: the checkout's
// scripts/build-app.mjs, the bench servers transpiled the same way), with plain `node`; svault and
// the rungs built from its parts with `npm start`'s node flags, the peer as bench:peer runs it.
//
// With --cpu-prof DIR every server runs under `node --cpu-prof` into DIR/<rung>/, and
// DIR/<rung>/window.json names its last measured window, which bench/cpu-profile-summary.ts reads.
import { UNCOPIED_HEADERS } from "./copied-headers.js";
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { callJson } from "./auth-opaque-client.js";
import {
  children,
  cores,
  cpuModel,
  freePort,
  LOADER_CPU,
  machineBusySeconds,
  pinned,
  positive,
  processCpuTimes,
  SERVER_CPU,
  spawnNode,
  spawnPlainNode,
  stopChild,
} from "./bench-machine.js";
import { type CompiledCheckout, compileCheckout } from "./spine-floor-build.js";
import { type BenchDatabase, createBenchDatabase } from "./database.js";
import { type LoadResult, median } from "./stats.js";
import { monotonicMicros } from "./cpu-profile.js";

const RUNGS = [
  "node-http",
  "fastify",
  "fastify+headers",
  "fastify+accounting",
  "fastify+cors",
  "svault-plain",
  "svault",
  "peer",
  "svault@baseline",
] as const;
type Rung = (typeof RUNGS)[number];
const WHAT: Record<Rung, string> = {
  "node-http": "node:http alone, the same answer",
  fastify: "Fastify with svault's listener options, one route",
  "fastify+headers": "+ onRequest: request id, security headers",
  "fastify+accounting": "+ onResponse: metrics, access log",
  "fastify+cors": "+ the OIDC documents' CORS scope",
  "svault-plain": "svault's whole app, a plain route (no RPC spine)",
  svault: "svault's REST JWKS (transcoding, Connect, interceptors, handler)",
  peer: "oidc-provider 9.13, in-memory adapter, its JWKS",
  "svault@baseline": "svault's REST JWKS, the --baseline checkout",
};

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    rounds: { type: "string" },
    rungs: { type: "string" },
    "cpu-prof": { type: "string" },
    baseline: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
const USAGE = `usage: npm run bench:spine-floor -- [options]
  --duration S      measured seconds per window (default 4)
  --warmup S        warm-up seconds per window (default 1)
  --connections N   connections, closed loop (default 16)
  --rounds N        rounds, alternating the rungs (default 3)
  --rungs LIST      a subset of ${RUNGS.join(",")}
  --cpu-prof DIR    run every server under --cpu-prof into DIR/<rung>/ (window.json: its last window)
  --baseline DIR    add the rung svault@baseline: the checkout in DIR (with node_modules)
`;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const durationSeconds = positive("--duration", args.duration, 4);
const warmupSeconds = positive("--warmup", args.warmup, 1);
const connections = Math.round(positive("--connections", args.connections, 16));
const rounds = Math.round(positive("--rounds", args.rounds, 3));
const baselineDir = args.baseline ? resolve(args.baseline) : undefined;
const rungs = (args.rungs?.split(",").map((r) => r.trim()) ?? RUNGS.filter((r) => r !== "svault@baseline" || baselineDir)) as Rung[];
for (const rung of rungs) if (!RUNGS.includes(rung)) throw new Error(`unknown rung ${rung}`);
if (rungs.includes("svault@baseline") && !baselineDir) throw new Error("the rung svault@baseline needs --baseline DIR");
const cpuProfileDir = args["cpu-prof"] ? resolve(args["cpu-prof"]) : undefined;
const benchDir = new URL(".", import.meta.url).pathname;
const TENANT = "bench";
const JWKS_PATH = `/${TENANT}/.well-known/jwks.json`;

function log(message: string): void {
  process.stderr.write(`[bench:spine-floor] ${message}\n`);
}

interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly baseUrl: string;
}

async function start(rung: string, nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const profile = cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", join(cpuProfileDir, rung)] : [];
  const child = spawnPlainNode(SERVER_CPU, [...profile, ...nodeArgs], { ...process.env, LOG_LEVEL: "warn", ...env });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const { port } = await new Promise<{ port: number }>((resolvePort, reject) => {
    lines.once("line", (line) => {
      try {
        resolvePort(JSON.parse(line) as { port: number });
      } catch {
        reject(new Error(`${rung}: unexpected output ${JSON.stringify(line)}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`${rung} exited (${code}) before listening`)));
  });
  lines.on("line", (line) => log(`${rung}: ${line}`));
  return { child, pid: child.pid as number, baseUrl: `http://127.0.0.1:${port}` };
}

/** svault (a compiled checkout's auth benchmark server) on a fresh database, with the tenant TENANT. */
async function startSvault(checkout: CompiledCheckout, rung: string, adminKey: string, databases: BenchDatabase[]): Promise<Server> {
  const database = await createBenchDatabase();
  databases.push(database);
  const port = await freePort();
  const svault = await start(rung, [...checkout.nodeFlags, checkout.benchServer], {
    DATABASE_URL: database.url,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SVAULT_KEK: randomBytes(32).toString("base64"),
    SVAULT_BOOTSTRAP_API_KEY: adminKey,
  });
  await callJson(`${svault.baseUrl}/api/v1/tenants`, { body: { tenant_id: TENANT }, headers: { "x-api-key": adminKey } });
  return svault;
}

/** svault's answer to GET JWKS_PATH, without what the transport and the per-answer hook write. */
async function svaultAnswer(baseUrl: string): Promise<{ body: string; headers: Record<string, string> }> {
  const res = await fetch(`${baseUrl}${JWKS_PATH}`);
  if (res.status !== 200) throw new Error(`svault's JWKS answered ${res.status}`);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!UNCOPIED_HEADERS.has(name)) headers[name] = value;
  });
  return { body: await res.text(), headers };
}

interface Measurement {
  readonly rung: Rung;
  readonly result: LoadResult;
  readonly cpuUsPerRequest: number;
  /** Of it, the kernel's (system time): the system calls and the network stack every server pays. */
  readonly kernelUsPerRequest: number;
}

async function measure(rung: Rung, server: Server, path: string): Promise<Measurement> {
  const options = { target: `${server.baseUrl}${path}`, connections, warmupSeconds, durationSeconds, method: "GET", expect: "jwks" };
  const child = spawnNode(LOADER_CPU, [`${benchDir}peer/load.ts`, JSON.stringify(options)]);
  let cpuBefore = { user: 0, system: 0 };
  let windowFrom = 0;
  let cpu: { readonly user: number; readonly system: number } | undefined;
  let result: LoadResult | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const event = JSON.parse(line) as { event: string; result?: LoadResult; message?: string };
    if (event.event === "probe-failed") throw new Error(`${rung}: the probe failed: ${event.message}`);
    if (event.event === "measure-start") {
      cpuBefore = processCpuTimes(server.pid);
      windowFrom = monotonicMicros();
    } else if (event.event === "result") {
      const after = processCpuTimes(server.pid);
      cpu = { user: after.user - cpuBefore.user, system: after.system - cpuBefore.system };
      result = event.result;
      // The profiles' timestamps are on the same monotonic clock (bench/cpu-profile-summary.ts).
      if (cpuProfileDir) {
        writeFileSync(
          join(cpuProfileDir, rung, "window.json"),
          JSON.stringify({ from: windowFrom, to: monotonicMicros(), requests: result?.ok }),
        );
      }
    }
  }
  if (!result || cpu === undefined) throw new Error(`${rung}: the load generator gave no result`);
  if (result.errors + result.non2xx + result.warmupFailures > 0) {
    throw new Error(`${rung}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.warmupFailures} in the warm-up`);
  }
  const perRequest = (seconds: number) => (seconds / result.ok) * 1e6;
  return { rung, result, cpuUsPerRequest: perRequest(cpu.user + cpu.system), kernelUsPerRequest: perRequest(cpu.system) };
}

const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");

function report(
  all: Measurement[],
  context: { startedAt: Date; load: number[]; loadAfter: number[]; busy: number; nodeFlags: readonly string[] },
): string {
  const out: string[] = [];
  out.push(`### The floor under svault's JWKS — ${context.startedAt.toISOString()}`, "");
  out.push(`- Machine: ${cpuModel}, nproc = ${cores}; Node ${process.version}`);
  out.push(
    `- Servers: compiled as production runs them (scripts/build-app.mjs), plain node; svault and its rungs with \`npm start\`'s flags (${context.nodeFlags.join(" ") || "none"})`,
  );
  out.push(`- Pinning: ${pinned ? `servers on CPU ${SERVER_CPU}, the load generator on CPU ${LOADER_CPU} (taskset)` : "none"}`);
  out.push(
    `- Load: ${connections} connections closed loop (autocannon), ${warmupSeconds} s warm-up + ${durationSeconds} s measured per window, ` +
      `${rounds} rounds alternating the rungs; medians over rounds (min–max)`,
  );
  out.push(
    `- Machine load: load average ${context.load.map((l) => l.toFixed(2)).join(" / ")} at the start, ` +
      `${context.loadAfter.map((l) => l.toFixed(2)).join(" / ")} at the end; ${context.busy.toFixed(0)} % of one core busy on average over the run (everything)`,
    "",
  );
  out.push("| rung | what it adds | req/s | server CPU µs/request | of which in the kernel | Δ µs/request vs the rung above |");
  out.push("|---|---|---:|---:|---:|---:|");
  let previous: number | undefined;
  for (const rung of rungs) {
    const runs = all.filter((m) => m.rung === rung);
    if (runs.length === 0) continue;
    const rps = runs.map((m) => m.result.requestsPerSecond);
    const cpu = runs.map((m) => m.cpuUsPerRequest);
    const cpuMedian = median(cpu);
    const kernel = runs.map((m) => m.kernelUsPerRequest);
    // The references (the peer, the baseline) are no step of the ladder.
    const onLadder = rung !== "peer" && rung !== "svault@baseline";
    const delta = previous === undefined || !onLadder ? "" : `${cpuMedian - previous >= 0 ? "+" : ""}${(cpuMedian - previous).toFixed(1)}`;
    out.push(
      `| ${rung} | ${WHAT[rung]} | ${integer(median(rps))} (${integer(Math.min(...rps))}–${integer(Math.max(...rps))}) ` +
        `| ${cpuMedian.toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) ` +
        `| ${median(kernel).toFixed(1)} (${Math.min(...kernel).toFixed(1)}–${Math.max(...kernel).toFixed(1)}) | ${delta} |`,
    );
    if (onLadder) previous = cpuMedian;
  }
  return `${out.join("\n")}\n`;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const load = os.loadavg();
  const adminKey = issueApiKey().key;
  const databases: BenchDatabase[] = [];
  const stopAll = async () => {
    await Promise.all([...children].map((child) => stopChild(child)));
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  };
  process.once("SIGINT", () => void stopAll().finally(() => process.exit(130)));
  try {
    const own = await compileCheckout(resolve(benchDir, ".."), log);
    const svault = await startSvault(own, "svault", adminKey, databases);
    const answer = await svaultAnswer(svault.baseUrl);
    log(`svault pid ${svault.pid}: JWKS ${answer.body.length} bytes, headers ${Object.keys(answer.headers).join(", ")}`);

    const servers = new Map<Rung, { server: Server; path: string }>();
    for (const rung of rungs) {
      if (rung === "svault") servers.set(rung, { server: svault, path: JWKS_PATH });
      else if (rung === "svault@baseline") {
        const baseline = await startSvault(await compileCheckout(baselineDir as string, log), rung, adminKey, databases);
        servers.set(rung, { server: baseline, path: JWKS_PATH });
      } else if (rung === "svault-plain") servers.set(rung, { server: svault, path: `/__bench/copy${JWKS_PATH}` });
      else if (rung === "peer") {
        const peerPort = await freePort();
        const peer = await start(rung, [own.peerServer], {
          PORT: String(peerPort),
          PEER_ISSUER: `http://127.0.0.1:${peerPort}`,
          PEER_ADAPTER: "memory",
          PEER_CLIENT_SECRET: randomBytes(16).toString("hex"),
        });
        servers.set(rung, { server: peer, path: "/jwks" });
      } else {
        servers.set(rung, {
          server: await start(rung, [...own.nodeFlags, own.spineFloorServer, rung, JSON.stringify(answer)]),
          path: JWKS_PATH,
        });
      }
      if (cpuProfileDir) mkdirSync(join(cpuProfileDir, rung), { recursive: true });
    }

    const busyBefore = machineBusySeconds();
    const runStarted = performance.now();
    const all: Measurement[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? rungs : [...rungs].reverse();
      for (const rung of order) {
        const { server, path } = servers.get(rung) as { server: Server; path: string };
        const m = await measure(rung, server, path);
        log(`round ${round} ${rung}: ${integer(m.result.requestsPerSecond)} req/s, ${m.cpuUsPerRequest.toFixed(1)} µs/request`);
        all.push(m);
      }
    }
    const busy = ((machineBusySeconds() - busyBefore) / ((performance.now() - runStarted) / 1000)) * 100;
    process.stdout.write(report(all, { startedAt, load, loadAfter: os.loadavg(), busy, nodeFlags: own.nodeFlags }));
    if (cpuProfileDir) {
      log(`profiles in ${cpuProfileDir}/<rung>/ once the servers stop; summarise one with`);
      log(
        `  node --import tsx bench/cpu-profile-summary.ts ${cpuProfileDir}/<rung>/<file>.cpuprofile --requests N (N: window.json's requests)`,
      );
    }
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
