// `npm run bench:request-size`: what one oversized, unauthenticated request costs the server on
// every protocol and listener. For each surface it starts the real server (bench/bench-server.ts)
// in a child process, streams one request of --mb megabytes at a public RPC (Get Openid
// Configuration, whose `tenant_id` carries the bulk), samples the server's resident memory
// (/proc/<pid>/status) every 10 ms, and times a `GET /health` sent 200 ms into the upload and one sent after the answer. Prints
// a markdown table on stdout (progress on stderr).
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { children, exited, positive, spawnService, stopChild } from "./bench-machine.js";
import { jsonStringBody, protobufStringBody, type UploadAnswer, uploadHttp1, uploadHttp2 } from "../test/support/raw-upload.js";
import { createBenchDatabase } from "./database.js";

const { values: args } = parseArgs({ options: { mb: { type: "string" } } });
const totalBytes = Math.round(positive("--mb", args.mb, 100) * 1024 * 1024);
const benchDir = new URL(".", import.meta.url).pathname;

const RPC = "/svault.oidc.v1.OidcService/GetOpenidConfiguration";

interface Ports {
  readonly port: number;
  readonly grpcPort: number;
}

interface Surface {
  readonly name: string;
  upload(ports: Ports): Promise<UploadAnswer>;
}

const http1 = (ports: Ports) => `http://127.0.0.1:${ports.port}${RPC}`;
const http2 = (ports: Ports) => `http://127.0.0.1:${ports.grpcPort}`;
const connectJson = { "content-type": "application/json" };
const json = jsonStringBody("tenant_id", totalBytes);

const surfaces: Surface[] = [
  {
    name: "REST `POST /oidc/token` (form), HTTP/1.1",
    upload: ({ port }) =>
      uploadHttp1(
        `http://127.0.0.1:${port}/oidc/token`,
        { "content-type": "application/x-www-form-urlencoded" },
        { size: totalBytes, head: Buffer.from("grant_type=client_credentials&client_id="), tail: Buffer.alloc(0) },
        { chunked: false },
      ),
  },
  { name: "Connect JSON, HTTP/1.1, Content-Length", upload: (ports) => uploadHttp1(http1(ports), connectJson, json, { chunked: false }) },
  { name: "Connect JSON, HTTP/1.1, chunked", upload: (ports) => uploadHttp1(http1(ports), connectJson, json, { chunked: true }) },
  {
    name: "Connect binary, HTTP/1.1, Content-Length",
    upload: (ports) =>
      uploadHttp1(http1(ports), { "content-type": "application/proto" }, protobufStringBody(totalBytes, false), { chunked: false }),
  },
  {
    name: "gRPC-Web, HTTP/1.1, chunked",
    upload: (ports) =>
      uploadHttp1(http1(ports), { "content-type": "application/grpc-web+proto" }, protobufStringBody(totalBytes, true), { chunked: true }),
  },
  { name: "Connect JSON, HTTP/2", upload: (ports) => uploadHttp2(http2(ports), { ":path": RPC, ...connectJson }, json) },
  {
    name: "gRPC, HTTP/2",
    upload: (ports) =>
      uploadHttp2(http2(ports), { ":path": RPC, "content-type": "application/grpc", te: "trailers" }, protobufStringBody(totalBytes, true)),
  },
];

/** The answer in one line: status, and the gRPC status or the body. */
function describe(answer: UploadAnswer): string {
  if (answer.failure) return `${answer.status || "no answer"}: ${answer.failure}`;
  // gRPC-Web carries its trailers in the body's last envelope.
  const grpcWebStatus = /grpc-status: *(\d+)/.exec(answer.body.toString("latin1"))?.[1];
  const grpcStatus = answer.trailers["grpc-status"] ?? answer.headers["grpc-status"] ?? grpcWebStatus;
  if (grpcStatus !== undefined) return `${answer.status}, grpc-status ${grpcStatus}`;
  const text = answer.body.toString("utf8");
  return `${answer.status} ${/^[\x20-\x7e]*$/.test(text) && text.length <= 160 ? text : `(${answer.body.length} bytes)`}`;
}

/** The resident memory of a process, or 0 once it has exited. */
function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return 0;
  }
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024;
}

async function startBenchServer(databaseUrl: string): Promise<{ child: ChildProcess; ports: Ports }> {
  const child = spawnService([`${benchDir}bench-server.ts`], { ...process.env, DATABASE_URL: databaseUrl });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const ports = JSON.parse(line) as Ports;
    return { child, ports };
  }
  throw new Error("bench-server exited before listening");
}

async function healthMs(port: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  await response.arrayBuffer();
  return performance.now() - started;
}

function exitOf(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}

async function probeText(probe: Promise<number>): Promise<string> {
  try {
    return `${(await probe).toFixed(0)} ms`;
  } catch {
    return "no answer (the server is down)";
  }
}

const database = await createBenchDatabase();
const rows: string[] = [];
try {
  for (const surface of surfaces) {
    process.stderr.write(`${surface.name} …\n`);
    const { child, ports } = await startBenchServer(database.url);
    const pid = child.pid as number;
    try {
      await healthMs(ports.port);
      const before = rssMiB(pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB(pid));
      }, 10);
      let health: Promise<number> | undefined;
      const probe = setTimeout(() => {
        health = healthMs(ports.port);
      }, 200);
      const started = performance.now();
      const answer = await surface.upload(ports);
      const ms = performance.now() - started;
      clearTimeout(probe);
      const during = health ? await probeText(health) : "(answered before 200 ms)";
      const after = await probeText(healthMs(ports.port));
      // A server that no longer answers has crashed (out of memory): wait until it is gone.
      if (after.startsWith("no answer")) await exited(child);
      clearInterval(sampler);
      peak = Math.max(peak, rssMiB(pid));
      const exit = child.exitCode !== null || child.signalCode !== null ? ` (the server died: ${exitOf(child)})` : "";
      rows.push(
        `| ${surface.name} | ${describe(answer).replace(/\|/g, "\\|")} | ${(answer.sent / 1024 / 1024).toFixed(1)} | ${ms.toFixed(0)} | ${before.toFixed(0)} → ${peak.toFixed(0)} | ${during} | ${after}${exit} |`,
      );
    } finally {
      await stopChild(child);
    }
  }
} finally {
  for (const child of children) child.kill("SIGKILL");
  await database.drop();
}

process.stdout.write(
  [
    `# One ${totalBytes / 1024 / 1024} MiB request per surface (\`npm run bench:request-size\`)`,
    "",
    `Node ${process.version}; a fresh server per row; RSS sampled every 10 ms.`,
    "",
    "| surface | answer | MiB sent before the answer | ms to the answer | server RSS MiB (before → peak) | `GET /health` 200 ms in | `GET /health` after the answer |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n"),
);
