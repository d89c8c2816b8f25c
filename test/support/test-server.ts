// A real server (both listeners, real Postgres in a fresh database), assembled exactly as in
// production by startServer, for end-to-end tests. The database is bootstrapped with a known
// super-admin API key.
import { createServer, type AddressInfo } from "node:net";
import type { App } from "../../src/app.js";
import type { Config } from "../../src/config/config.js";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server.js";
import { type CapturedLogs, captureLogs } from "./log-capture.js";
import { tempDir } from "./temp-dir.js";
import { testConfig } from "./test-config.js";
import { createMigratedTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestServer {
  readonly config: Config;
  readonly app: App;
  readonly running: RunningServer;
  /** `http://127.0.0.1:<port>` of the HTTP/1.1 listener. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:<port>` of the HTTP/2 (gRPC) listener. */
  readonly grpcUrl: string;
  readonly grpcPort: number;
  /** The bootstrap super-admin API key of the default tenant. */
  readonly adminKey: string;
  readonly logs: CapturedLogs;
  readonly db: TestDatabase;
  /**
   * Resolves once the work the answered requests left running (e-mails, back-channel logouts, API
   * key use) is done: what a test awaits before it looks at their effects, or at their absence.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts a server on a port `freePort` found free. Test files run side by side, so another process
 * may take that port before the server binds it: then it starts again on another one (a few times).
 */
async function startListeningSomewhere<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE" || attempt === 5) throw error;
    }
  }
}

export interface TestServerOptions extends ServerOptions {
  readonly env?: Record<string, string>;
  /** The DATABASE_URL to reach the scratch database by (default: its TCP URL, `db.url`). */
  readonly databaseUrl?: (db: TestDatabase) => string;
  /** Another instance of that server's service: its database, KEK and admin key (the database stays its). */
  readonly instanceOf?: TestServer;
  /** Run on the embedded database (PGlite) under the server's DATA_DIR, as `npm start` does, instead of a scratch Postgres database. */
  readonly embedded?: boolean;
  /** PUBLIC_URL's host (default 127.0.0.1): `localhost` for passkeys, whose RP ID must be a domain. */
  readonly publicHost?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const first = options.instanceOf;
  const db = first ? first.db : options.embedded ? undefined : await createMigratedTestDatabase();
  const adminKey = first ? first.adminKey : issueApiKey().key;
  const dataDir = tempDir("test");
  const start = async () => {
    // PUBLIC_URL must be the real address (issuers and redirects name it), so pick the port first.
    const port = await freePort();
    const config = testConfig({
      DATABASE_URL: db ? (options.databaseUrl?.(db) ?? db.url) : undefined,
      DATA_DIR: dataDir,
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      PORT: String(port),
      PUBLIC_URL: `http://${options.publicHost ?? "127.0.0.1"}:${port}`,
      ...(first ? { SVAULT_KEK: first.config.kek, PUBLIC_URL: first.config.publicUrl } : {}),
      ...options.env,
    });
    const logs = captureLogs("info");
    return { config, logs, running: await startServer(config, logs.logger, options) };
  };
  const { config, logs, running } = await startListeningSomewhere(start);
  return {
    config,
    app: running.app,
    running,
    baseUrl: `http://127.0.0.1:${running.port}`,
    grpcUrl: `http://127.0.0.1:${running.grpcPort}`,
    grpcPort: running.grpcPort,
    adminKey,
    logs,
    settled: () => running.background.settled(),
    get db() {
      if (!db) throw new Error("this test server runs on the embedded database: it has no scratch Postgres database");
      return db;
    },
    async close() {
      await running.close();
      if (!first) await db?.drop();
    },
  };
}
