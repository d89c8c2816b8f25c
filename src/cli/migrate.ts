// `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and
// exits. The server also migrates at start-up; this is for deployments that migrate first.
import { loadConfig } from "../config/config.js";
import { createLogger } from "../logging/logger.js";
import { migrate, openDatabase } from "../persistence/database.js";
import { holdingStartupLock } from "../persistence/startup-lock.js";

const config = loadConfig();
const logger = createLogger(config.logLevel, undefined, config.logFormat);
const database = await openDatabase(config, logger);
try {
  // The instances' start-up lock (startup-lock.ts): a Job and starting pods take turns.
  const connection = config.databaseConnection;
  if (connection) await holdingStartupLock(connection, config.databaseConnectTimeoutMs, () => migrate(database.orm, logger));
  else await migrate(database.orm, logger);
} finally {
  await database.close();
}
