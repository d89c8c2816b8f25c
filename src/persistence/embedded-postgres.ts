// The zero-setup database: PGlite (Postgres compiled to WASM) with its data under DATA_DIR,
// reached through pglite-socket's implementation of the Postgres wire protocol, so that the
// normal driver, SQL and migrations run unchanged. It listens on a Unix socket in a private
// directory (0700), not on a TCP port, so no other local user can connect to it.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../logging/logger.js";

export interface EmbeddedPostgres {
  /** Connection settings for the driver: a Unix socket directory and the socket's port suffix. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dbName: string;
  /** PGlite has one backend: the pool must not hold more connections than this. */
  readonly maxConnections: number;
  stop(): Promise<void>;
}

const SOCKET_PORT = 5432;

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const pgDir = join(dataDir, "pg");
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const db = await PGlite.create(pgDir);
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
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
