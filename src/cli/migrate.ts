// `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and
// exits. The server also migrates at start-up; this is for deployments that migrate first.
import { loadConfig } from "../config/config.js";
import { createLogger } from "../logging/logger.js";
import { migrate, openDatabase } from "../persistence/database.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
const database = await openDatabase(config, logger);
try {
  await migrate(database.orm, logger);
} finally {
  await database.close();
}
