// One pino logger for the process. Secrets never reach it: request URLs are logged without
// their query string (codes, nonces and tokens travel there) and known secret-bearing fields
// are redacted wherever they appear.
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { createRequire } from "node:module";
import type { LogFormat, LogLevel } from "../config/config.js";

/** What request code needs of a logger; the process logger and Fastify's request loggers both fit. */
export type Logger = FastifyBaseLogger;

const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "*.password",
  "*.secret",
  "*.client_secret",
  "*.api_key",
  "*.token",
  "*.refresh_token",
  "*.access_token",
  "*.code",
];

/**
 * The process logger. `format` "pretty" writes through pino-pretty (a dev dependency: absent from
 * a production install, where the logs stay JSON, with a warning saying so).
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format: LogFormat = "json"): pino.Logger {
  const pretty = format === "pretty" && !destination ? prettyStream() : undefined;
  const logger = pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      base: { service: "svault" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pretty ?? destination,
  );
  if (format === "pretty" && !destination && !pretty) logger.warn("LOG_FORMAT=pretty needs pino-pretty (a dev dependency): logging JSON");
  return logger;
}

/** pino-pretty as an in-process stream, written synchronously: the last lines before an exit are not lost. */
function prettyStream(): pino.DestinationStream | undefined {
  let pretty: PrettyFactory;
  try {
    pretty = createRequire(import.meta.url)("pino-pretty") as PrettyFactory;
  } catch {
    return undefined;
  }
  // Colours when the terminal has them (pino-pretty's default; NO_COLOR turns them off).
  return pretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" });
}

type PrettyFactory = (options: Record<string, unknown>) => pino.DestinationStream;

/** The path of a request URL; the query string may carry secrets and is never logged. */
export function loggablePath(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
