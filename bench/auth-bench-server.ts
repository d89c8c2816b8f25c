// The real server for the auth benchmark (bench/auth-bench.ts), in its own process: startServer
// with the production services, against DATABASE_URL, with the configuration the launcher passes
// in the environment (PORT and PUBLIC_URL — the issuers name the real address —, SVAULT_KEK,
// SVAULT_BOOTSTRAP_API_KEY, TRUST_PROXY_HOPS). It adds bench-only routes that do no query:
//
//   GET /__bench/query-count       {"queries": n, "requests": n}: the database statements since
//                                  start (every statement sent — through MikroORM and knex, or
//                                  straight from src/persistence/plain-sql.ts, pipelined or not
//                                  —, incl. BEGIN/COMMIT and the batched audit inserts) and the
//                                  requests received on both listeners (HTTP/1.1 except /__bench/*,
//                                  and gRPC)
//   GET /__bench/queries?after=SEQ the statements after sequence number SEQ (the last 2,048 are
//                                  kept), to show which statements one request sends
//
// Prints `{"port":…,"grpcPort":…}` on stdout once listening (logs go to stderr); SIGTERM closes it.
import { UNCOPIED_HEADERS } from "./copied-headers.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logging/logger.js";
import { HEARTBEAT_STATEMENT_TEXT } from "../src/persistence/database.js";
import { PipelinedConnection } from "../src/persistence/pipelined-connection.js";
import type { Statement } from "../src/persistence/plain-sql.js";
import { startServer } from "../src/server.js";
import { createServices } from "../src/services.js";

const dataDir = mkdtempSync(join(tmpdir(), "svault-auth-bench-"));
const config = loadConfig({
  ...process.env,
  HOST: "127.0.0.1",
  GRPC_PORT: "0",
  DATA_DIR: dataDir,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  SVAULT_ENV: "bench",
});
const logger = createLogger(config.logLevel, process.stderr);

// The last KEPT statements, in a ring (the listener must cost next to nothing: it runs for every
// statement of the measured windows).
const KEPT = 2048;
const recent: string[] = new Array(KEPT);
let queries = 0;
let requests = 0;

async function queryCounter(app: FastifyInstance): Promise<void> {
  const counted = (text: string) => {
    // A timer's, not a request's (twice a second): it would land in "one idle request" by chance.
    if (text === HEARTBEAT_STATEMENT_TEXT) return;
    recent[queries % KEPT] = text;
    queries++;
  };
  // Every statement, whichever layer sends it, ends either in pg.Client#query (knex's connections
  // are node-pg clients, as are the ones src/persistence/plain-sql.ts takes from the pool when
  // DATABASE_PIPELINES=0) or in PipelinedConnection#run (plain-sql.ts's statements otherwise).
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    counted(typeof config === "string" ? config : String((config as { text?: unknown } | null)?.text ?? ""));
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  const run = PipelinedConnection.prototype.run;
  PipelinedConnection.prototype.run = function (this: PipelinedConnection, statement: Statement) {
    counted(statement.text);
    return run.call(this, statement);
  };
  // Every HTTP/1.1 request the server receives, whichever route answers it.
  app.server.on("request", (req) => {
    if (!req.url?.startsWith("/__bench/")) requests++;
  });
  app.get("/__bench/query-count", async () => ({ queries, requests }));
  app.get<{ Querystring: { after?: string } }>("/__bench/queries", async (request) => {
    const after = Math.max(Number(request.query.after ?? 0), queries - KEPT);
    const statements: { seq: number; sql: string }[] = [];
    for (let seq = after + 1; seq <= queries; seq++) {
      statements.push({ seq, sql: (recent[(seq - 1) % KEPT] as string).replace(/\s+/g, " ") });
    }
    return { queries, statements };
  });
  const copies = new Map<string, { headers: Record<string, string>; body: Buffer }>();
  app.get<{ Params: { "*": string } }>("/__bench/copy/*", (request, reply) => {
    const path = `/${request.params["*"]}`;
    const copy = copies.get(path);
    if (copy) {
      reply.headers(copy.headers).send(copy.body);
      return;
    }
    void app.inject({ method: "GET", url: path }).then((answer) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        // Those of the transport, and those the app's own hooks write on every answer.
        if (typeof value === "string" && !UNCOPIED_HEADERS.has(name)) headers[name] = value;
      }
      copies.set(path, { headers, body: answer.rawPayload });
      reply.headers(headers).send(answer.rawPayload);
    });
  });
}

const server = await startServer(config, logger, {
  registrations: createServices,
  announce: () => {},
  plugins: [queryCounter],
});
// Every call on the gRPC listener (HTTP/2; the login over gRPC).
server.app.grpc.on("request", () => {
  requests++;
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
