// A real server (both listeners, real Postgres in a fresh database) for end-to-end tests.
import type { Config } from "../../src/config/config.js";
import type { ServiceRegistration } from "../../src/rpc/registry.js";
import { buildApp, type App } from "../../src/app.js";
import { migrate, openDatabase } from "../../src/persistence/database.js";
import { createServices } from "../../src/services.js";
import { captureLogs, type CapturedLogs } from "./log-capture.js";
import { testConfig } from "./test-config.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestServer {
  readonly config: Config;
  readonly app: App;
  /** `http://127.0.0.1:<port>` of the HTTP/1.1 listener. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:<port>` of the HTTP/2 (gRPC) listener. */
  readonly grpcUrl: string;
  readonly grpcPort: number;
  readonly logs: CapturedLogs;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  /** Services in place of the production ones (e.g. test-only services). */
  readonly registrations?: (deps: Parameters<typeof createServices>[0]) => ServiceRegistration[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: db.url, ...options.env });
  const logs = captureLogs("info");
  const database = await openDatabase(config, logs.logger);
  await migrate(database.orm, logs.logger);
  const registrations = (options.registrations ?? createServices)({ config, database });
  const app = await buildApp({ config, logger: logs.logger, database, registrations });
  const { port, grpcPort } = await app.listen();
  return {
    config,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    grpcPort,
    logs,
    db,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
