// The zero-setup database: PGlite (Postgres compiled to WASM) with its data under DATA_DIR,
// reached through pglite-socket's implementation of the Postgres wire protocol, so that the
// normal driver, SQL and migrations run unchanged. It listens on a Unix socket in a private
// directory (0700), not on a TCP port, so no other local user can connect to it.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../logging/logger.js";
import { createFromTemplate } from "./embedded-template.js";

export interface EmbeddedPostgres {
  /** Connection settings for the driver: a Unix socket directory and the socket's port suffix. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dbName: string;
  /** PGlite has one backend: the pool must not hold more connections than this. */
  readonly maxConnections: number;
  /**
   * What every new connection runs first. PGlite's one backend outlives the connections to it,
   * and with it the session state of the last one: its named prepared statements, which node-pg
   * on a new connection prepares again under the same names ("prepared statement already
   * exists"), session settings, temporary tables, advisory locks. A new connection must begin
   * with a session as new as it is on a real Postgres.
   */
  readonly newSessionStatement: string;
  stop(): Promise<void>;
}

const SOCKET_PORT = 5432;

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const pgDir = join(dataDir, "pg");
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const db = existsSync(join(pgDir, "PG_VERSION")) ? await PGlite.create(pgDir) : await createFromTemplate(pgDir, logger);
  const socketDir = mkdtempSync(join(tmpdir(), "svault-pg-"));
  const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`), maxConnections: 1 });
  await server.start();
  logger.info({ dataDir: pgDir, ms: Date.now() - started }, "embedded Postgres (PGlite) started");
  return {
    host: socketDir,
    port: SOCKET_PORT,
    user: "postgres",
    dbName: "postgres",
    maxConnections: 1,
    newSessionStatement: "discard all",
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
