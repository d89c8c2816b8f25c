// Recognizing database errors, whether they come through MikroORM's query layer (converted into
// its exception classes) or from raw SQL on the connection (plain `pg` errors with a SQLSTATE).
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { ConnectionLostError } from "./pipelined-connection.js";

const UNIQUE_VIOLATION = "23505";

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException || (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/** The violated constraint's name, when the driver reports it. */
export function violatedConstraint(error: unknown): string {
  const direct = (error as { constraint?: unknown } | null)?.constraint;
  if (typeof direct === "string") return direct;
  const match = /unique constraint "([^"]+)"/.exec(error instanceof Error ? error.message : "");
  return match?.[1] ?? "";
}

/**
 * SQLSTATEs of a database that cannot serve now, as opposed to one that refuses a statement:
 * shutting down or starting up (57P01–57P03), too many connections (53300), a statement cancelled
 * by statement_timeout (57014); class 08 is a broken connection.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);

/** Node's errors for a server that cannot be reached or dropped the connection. */
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * node-pg and knex report a lost or timed-out connection with a message and nothing else (no
 * code). knex puts the statement in front (`<sql> - <message>`), and MikroORM keeps that text
 * when it wraps the error: the driver's message is the end of it.
 */
const DRIVER_MESSAGES = [
  "Connection terminated(?: unexpectedly| due to connection timeout)?", // the server closed it, or connectionTimeoutMillis
  "timeout expired", // connectionTimeoutMillis, seen by a query waiting for the connection
  "Query read timeout", // query_timeout: no answer in time
  "Client (?:has encountered a connection error|was closed) and is not queryable",
  "Knex: Timeout acquiring a connection\\. .*", // no free pooled connection in acquireConnectionTimeout
  "Unable to acquire a connection", // the pool is gone (shutting down)
].map((message) => new RegExp(`(?:^| - )${message}$`));

/**
 * True when `error` says the database cannot be reached, dropped the connection, or did not
 * answer in time: the request may succeed later, unchanged (503 with Retry-After, gRPC
 * `unavailable`). Follows `cause`, as wrappers keep the driver's error there.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof ConnectionLostError) return true;
    const { code, syscall } = current as { code?: unknown; syscall?: unknown };
    if (typeof code === "string") {
      if (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NETWORK_ERROR_CODES.has(code)) return true;
      // A missing Unix socket: Postgres is not running on this machine.
      if (code === "ENOENT" && syscall === "connect") return true;
    }
    if (DRIVER_MESSAGES.some((pattern) => pattern.test(current.message))) return true;
  }
  return false;
}
