// The container image's steps without a container engine (none runs on CI's machine), so that they
// cannot rot: the Dockerfile's build (scripts/build-app.mjs) and production install
// (`npm ci --omit=dev`) into a temporary directory, then the final stage's CMD, with its ENV, as
// its USER (when run as root), and its HEALTHCHECK command against it:
//   1. the image's defaults: the embedded database under DATA_DIR;
//   2. the production shape (compose.yaml, deploy/kubernetes): a migration run first (the
//      Kubernetes Job's command) against a scratch database on the machine's PostgreSQL, then the
//      service on DATABASE_URL with SVAULT_KEK set and a DATA_DIR it cannot write, as under a
//      read-only root file system.
// Each start is checked over HTTP (/health, discovery, a hosted-page asset) and gRPC
// (grpc.health.v1), then stopped with SIGTERM, which must exit 0. Everything is removed at the end.
// `.ci/run` runs it. Usage: node --import tsx scripts/container-smoke.ts
// (TEST_PG_ADMIN_URL: the admin connection for the scratch database, as for the tests.)
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http2 from "node:http2";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { readDockerfile } from "./dockerfile-stages.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The image's build steps that this script performs itself; it refuses to run if the Dockerfile no longer has them. */
const BUILD_STEP = "node scripts/build-app.mjs --outdir /app";
const INSTALL_STEP = "npm ci --omit=dev";
/** The tools that `npm start` runs the service with, which the image must do without. */
const DEV_ONLY = ["tsx", "esbuild", "typescript"];
/** Upper bound for a start (the embedded database's first start creates its cluster: ≈ 10 s here). */
const START_TIMEOUT_MS = Number(process.env.SMOKE_START_TIMEOUT_MS ?? 120_000);
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const started = Date.now();
const say = (text: string) => console.log(`[container-smoke ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);

const { stages, runtime } = readDockerfile();
if (!stages.some((s) => s.runs.includes(BUILD_STEP))) throw new Error(`the Dockerfile no longer runs "${BUILD_STEP}": update this script`);
if (!stages.some((s) => s.runs.some((r) => r.startsWith(INSTALL_STEP)))) {
  throw new Error(`the Dockerfile no longer runs "${INSTALL_STEP}": update this script`);
}

const asRoot = process.getuid?.() === 0;
/** The image's USER, when this script can switch to it. */
const identity = asRoot ? { uid: runtime.user.uid, gid: runtime.user.gid } : {};
const work = mkdtempSync(join(tmpdir(), "svault-image-"));
chmodSync(work, 0o755);
/** The image's WORKDIR. */
const app = join(work, "app");
const children = new Set<ChildProcess>();
let scratchDatabase: string | undefined;

try {
  say(`build stage: ${BUILD_STEP.replace("/app", app)}`);
  execFileSync(process.execPath, [join(root, "scripts", "build-app.mjs"), "--outdir", app], { stdio: ["ignore", "ignore", "inherit"] });

  say(`production-dependencies stage: ${INSTALL_STEP}`);
  execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: app,
    stdio: "inherit",
  });
  // As in the image, where the files belong to root and the service's user reads them.
  if (asRoot) execFileSync("chmod", ["-R", "a+rX", app]);
  const present = DEV_ONLY.filter((name) => existsSync(join(app, "node_modules", name)));
  if (present.length > 0) throw new Error(`development dependencies in the production install: ${present.join(", ")}`);
  const size = treeSize(join(app, "node_modules"));
  say(
    `production node_modules: ${(size.bytes / 2 ** 20).toFixed(1)} MiB in ${size.files} files, ${size.packages} packages; none of ${DEV_ONLY.join(", ")}`,
  );

  say(`image defaults (embedded database in DATA_DIR), as uid ${asRoot ? runtime.user.uid : process.getuid?.()}`);
  const dataDir = join(work, "data");
  mkdirSync(dataDir);
  if (asRoot) chownSync(dataDir, runtime.user.uid, runtime.user.gid);
  await checkService({ DATA_DIR: dataDir });

  say("production shape: migration first, then the service on DATABASE_URL, DATA_DIR not writable");
  scratchDatabase = `svault_smoke_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${scratchDatabase}"`));
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${scratchDatabase}` }).toString();
  const readOnlyDir = join(work, "read-only");
  mkdirSync(readOnlyDir, { mode: 0o755 });
  const production = { DATABASE_URL: databaseUrl, SVAULT_KEK: randomBytes(32).toString("base64"), DATA_DIR: readOnlyDir };
  const migration = await runToExit(["node", "src/cli/migrate.js"], containerEnv(production));
  const migrated = migration.logs.find((line) => line.msg === "database migrated");
  if (migration.code !== 0 || !migrated) throw new Error(`migration: exit ${migration.code}\n${migration.output}`);
  say(`migration applied ${(migrated.migrations as string[]).length} migrations`);
  await checkService(production);
  if (readdirSync(readOnlyDir).length > 0) throw new Error(`the service wrote into DATA_DIR: ${readdirSync(readOnlyDir).join(", ")}`);
} finally {
  for (const child of children) child.kill("SIGKILL");
  if (scratchDatabase) await admin((client) => client.query(`DROP DATABASE IF EXISTS "${scratchDatabase}" WITH (FORCE)`));
  rmSync(work, { recursive: true, force: true });
}
say("passed; temporary directory and database removed");

/** Starts the image's CMD with its ENV plus `env`, checks it, and stops it with SIGTERM. */
async function checkService(env: Record<string, string>): Promise<void> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const environment = containerEnv({ ...env, PORT: String(port), GRPC_PORT: String(grpcPort) });
  const service = startProcess(runtime.cmd, environment);
  const listening = await service.waitFor((line) => line.msg === "listening");
  say(`listening on ${listening.port} (HTTP) and ${listening.grpcPort} (gRPC) after ${service.seconds()} s`);
  if (listening.port !== port || listening.grpcPort !== grpcPort) throw new Error("the service ignored PORT or GRPC_PORT");

  const health = await runToExit(runtime.healthcheck.command, environment);
  if (health.code !== 0) throw new Error(`HEALTHCHECK exited ${health.code}: ${health.output}`);

  const base = `http://127.0.0.1:${port}`;
  const discovery = (await getJson(`${base}/default/.well-known/openid-configuration`)) as { issuer: string; jwks_uri: string };
  if (discovery.issuer !== `http://localhost:${port}/default`) throw new Error(`discovery: issuer ${discovery.issuer}`);
  await getJson(discovery.jwks_uri.replace(`http://localhost:${port}`, base));
  const manifest = JSON.parse(readFileSync(join(app, "dist", "ui", "manifest.json"), "utf8")) as { script: string };
  const asset = await fetch(`${base}/ui/assets/${manifest.script}`);
  if (asset.status !== 200 || !asset.headers.get("content-type")?.startsWith("text/javascript")) {
    throw new Error(`hosted-page asset: ${asset.status} ${asset.headers.get("content-type")}`);
  }
  const serving = await grpcHealth(grpcPort);
  if (serving !== "SERVING") throw new Error(`gRPC health: ${serving}`);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${service.child.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  say(`HEALTHCHECK exit 0; discovery, JWKS, hosted-page asset, gRPC health SERVING; RSS ${rss.toFixed(0)} MiB`);

  service.child.kill("SIGTERM");
  const code = await service.exit;
  if (code !== 0) throw new Error(`SIGTERM: exit ${code}\n${service.output()}`);
  if (!service.logs.some((line) => line.msg === "stopped")) throw new Error("SIGTERM: no 'stopped' log line");
  const after = await runToExit(runtime.healthcheck.command, environment);
  if (after.code === 0) throw new Error("HEALTHCHECK succeeded with the service stopped");
  say("SIGTERM: exit 0; HEALTHCHECK fails once it is gone");
}

/** A container's environment: the image's ENV, then the run's; nothing inherited but PATH. */
function containerEnv(env: Record<string, string>): Record<string, string> {
  // HOME as the image's passwd entry gives it (useradd --home-dir /nonexistent): a process
  // without HOME whose user has no passwd entry fails in os.homedir(), which a dependency calls.
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", ...runtime.env, ...env };
}

interface Started {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly exit: Promise<number | null>;
  output(): string;
  seconds(): string;
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function startProcess(command: readonly string[], env: Record<string, string>): Started {
  const [file, ...args] = command as [string, ...string[]];
  const begin = Date.now();
  const child = spawn(file === "node" ? process.execPath : file, args, { cwd: app, env, ...identity, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const logs: Record<string, unknown>[] = [];
  const text: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
      text.push(line);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line (the bootstrap's announcement, a crash on stderr)
      }
      for (const wake of waiters) wake();
    });
  }
  // "close", not "exit": by then every line the process wrote has been read.
  const exit = once(child, "close").then(([code]) => {
    children.delete(child);
    for (const wake of waiters) wake();
    return code as number | null;
  });
  return {
    child,
    logs,
    exit,
    output: () => text.join("\n"),
    seconds: () => ((Date.now() - begin) / 1000).toFixed(1),
    waitFor(predicate) {
      return new Promise((resolve, reject) => {
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        const check = () => {
          const found = logs.find(predicate);
          if (found) finish(() => resolve(found));
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`${command.join(" ")} exited (${child.exitCode ?? child.signalCode}):\n${text.join("\n")}`)));
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${command.join(" ")}: not there after ${START_TIMEOUT_MS} ms:\n${text.join("\n")}`))),
          START_TIMEOUT_MS,
        );
        waiters.add(check);
        check();
      });
    },
  };
}

async function runToExit(command: readonly string[], env: Record<string, string>) {
  const run = startProcess(command, env);
  const code = await run.exit;
  return { code, logs: run.logs, output: run.output() };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}

/** grpc.health.v1.Health/Check for the whole server, over plain-text HTTP/2. */
async function grpcHealth(port: number): Promise<string> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      "content-type": "application/grpc",
      te: "trailers",
    });
    // One uncompressed message of length 0: HealthCheckRequest with no service name.
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    let status: string | string[] | undefined;
    stream.on("response", (headers) => (status ??= headers["grpc-status"]));
    stream.on("trailers", (trailers) => (status = trailers["grpc-status"]));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (status !== "0") return `grpc-status ${status}`;
    // HealthCheckResponse { status = 1 (SERVING) } is the field tag 0x08 and the value.
    const message = Buffer.concat(chunks).subarray(5);
    return message.equals(Buffer.from([0x08, 0x01])) ? "SERVING" : `response ${message.toString("hex")}`;
  } finally {
    session.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function treeSize(dir: string): { bytes: number; files: number; packages: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  const packages = readdirSync(dir).flatMap((name) =>
    name.startsWith("@") ? readdirSync(join(dir, name)) : name.startsWith(".") ? [] : [name],
  ).length;
  return { bytes, files, packages };
}
