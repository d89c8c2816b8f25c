// One pino logger for the process. Secrets never reach it: request URLs are logged without
// their query string (codes, nonces and tokens travel there) and known secret-bearing fields
// are redacted wherever they appear.
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import type { LogLevel } from "../config/config.js";

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

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      base: { service: "svault" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** The path of a request URL; the query string may carry secrets and is never logged. */
export function loggablePath(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
