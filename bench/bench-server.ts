// The real server for the benchmark, in its own process: startServer with the production services
// on ephemeral ports, against the database in DATABASE_URL, plus one comparison route:
//
//   GET /bench/bare-health  — the work of HealthService.Check (database.ping(), the same JSON
//   body, `cache-control: no-store` + `pragma: no-cache`) written as a plain Fastify handler, i.e.
//   without the REST transcoding layer, the Connect handler context and the interceptors.
//
// Both routes pass the same Fastify instance, hooks (request id, access log) and database pool.
// Prints `{"port":…,"grpcPort":…}` on stdout once listening (logs go to stderr); SIGTERM closes it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logging/logger.js";
import type { Database } from "../src/persistence/database.js";
import { startServer } from "../src/server.js";
import { createServices } from "../src/services.js";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("bench-server: DATABASE_URL is required");

const dataDir = mkdtempSync(join(tmpdir(), "svault-bench-"));
const config = loadConfig({
  PORT: "0",
  GRPC_PORT: "0",
  HOST: "127.0.0.1",
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  SVAULT_KEK: randomBytes(32).toString("base64"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  SVAULT_ENV: "bench",
});
const logger = createLogger(config.logLevel, process.stderr);

// The Database the production services get, captured for the bare route.
let database: Database | undefined;

async function bareHealth(app: FastifyInstance): Promise<void> {
  const db = database;
  if (!db) throw new Error("bench-server: the database is not open yet");
  const { version, env } = config;
  app.get("/bench/bare-health", async (_request, reply) => {
    const up = await db.ping();
    return reply
      .code(up ? 200 : 503)
      .header("cache-control", "no-store")
      .header("pragma", "no-cache")
      .type("application/json; charset=utf-8")
      .send(JSON.stringify({ status: up ? "ok" : "unavailable", version, env }));
  });
}

const server = await startServer(config, logger, {
  registrations: (deps) => {
    database = deps.database;
    return createServices(deps);
  },
  announce: () => {},
  plugins: [bareHealth],
});
process.stdout.write(`${JSON.stringify({ port: server.port, grpcPort: server.grpcPort })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
