// Process entry point: configuration, start, and graceful shutdown on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from "./config/config.js";
import { createLogger } from "./logging/logger.js";

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`svault: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const logger = createLogger(config.logLevel, undefined, config.logFormat);
// Tracing first, when it is on: its instrumentations patch modules as the server's load them.
const tracing = config.tracing ? (await import("./operations/tracing.js")).startTracing(config.version, logger) : undefined;
// The service's modules take seconds to load (several on a busy machine, before anything else is
// logged): say so at once, then how long it took (docs/operations.md, "Start-up").
logger.info({ version: config.version, database: config.databaseUrl ? "postgres" : "embedded" }, "starting: loading the service");
const loading = performance.now();
const { startServer } = await import("./server.js");
logger.info({ ms: Math.round(performance.now() - loading) }, "service loaded");
const server = await startServer(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, "failed to start");
  process.exit(1);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight requests");
  // The drain (readiness failing while the listeners still serve) comes before the grace period.
  const deadline = setTimeout(() => {
    logger.error({ graceMs: config.shutdownGraceMs }, "shutdown grace period exceeded; exiting");
    process.exit(1);
  }, config.shutdownDrainMs + config.shutdownGraceMs);
  deadline.unref();
  try {
    await server.close();
    await tracing?.shutdown();
    logger.info("stopped");
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, "error during shutdown");
    process.exit(1);
  }
}

// A safety net: a background task that forgot its own error handling must not take every
// in-flight request down with the process. The bug is logged with its stack.
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
