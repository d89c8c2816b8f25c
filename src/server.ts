// Starts a complete server from a configuration: logger, KEK, database (migrated), services,
// listeners. Used by main.ts and by tests that need a real running server.
import { buildApp, type App } from "./app.js";
import type { Config } from "./config/config.js";
import { loadKeyEncryptionKey } from "./crypto/key-encryption-key.js";
import type { Logger } from "./logging/logger.js";
import { migrate, openDatabase } from "./persistence/database.js";
import { createServices } from "./services.js";

export interface RunningServer {
  readonly app: App;
  readonly port: number;
  readonly grpcPort: number;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  loadKeyEncryptionKey(config.kek, config.dataDir, logger);
  const database = await openDatabase(config, logger);
  try {
    await migrate(database.orm, logger);
    const app = await buildApp({ config, logger, database, registrations: createServices({ config, database }) });
    const { port, grpcPort } = await app.listen();
    return { app, port, grpcPort, close: () => app.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}
