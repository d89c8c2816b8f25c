// A real server (both listeners, real Postgres in a fresh database), assembled exactly as in
// production by startServer, for end-to-end tests. The database is bootstrapped with a known
// super-admin API key.
import { createServer, type AddressInfo } from "node:net";
import type { App } from "../../src/app.js";
import type { Config } from "../../src/config/config.js";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server.js";
import { type CapturedLogs, captureLogs } from "./log-capture.js";
import { testConfig } from "./test-config.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

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
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface TestServerOptions extends ServerOptions {
  readonly env?: Record<string, string>;
  /** The DATABASE_URL to reach the scratch database by (default: its TCP URL, `db.url`). */
  readonly databaseUrl?: (db: TestDatabase) => string;
  /** Another instance of that server's service: its database, KEK and admin key (the database stays its). */
  readonly instanceOf?: TestServer;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const first = options.instanceOf;
  const db = first ? first.db : await createTestDatabase();
  const adminKey = first ? first.adminKey : issueApiKey().key;
  // PUBLIC_URL must be the real address (issuers and redirects name it), so pick the port first.
  const port = await freePort();
  const config = testConfig({
    DATABASE_URL: options.databaseUrl?.(db) ?? db.url,
    SVAULT_BOOTSTRAP_API_KEY: adminKey,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(first ? { SVAULT_KEK: first.config.kek, PUBLIC_URL: first.config.publicUrl } : {}),
    ...options.env,
  });
  const logs = captureLogs("info");
  const running = await startServer(config, logs.logger, options);
  return {
    config,
    app: running.app,
    running,
    baseUrl: `http://127.0.0.1:${running.port}`,
    grpcUrl: `http://127.0.0.1:${running.grpcPort}`,
    grpcPort: running.grpcPort,
    adminKey,
    logs,
    db,
    async close() {
      await running.close();
      if (!first) await db.drop();
    },
  };
}
