// Turns whatever a handler threw into the error the caller may see. A DomainError keeps its code
// and safe message (plus google.rpc details for gRPC/Connect clients); a unique-constraint
// violation is AlreadyExists; a database that cannot be reached or did not answer in time is
// Unavailable (503, Retry-After), logged as a warning; anything else is a bug: logged in full,
// answered as an opaque `internal` error so that no stack, SQL or secret leaks.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { alreadyExists, DomainError, databaseUnavailable } from "../../errors/domain-error.js";
import type { Logger } from "../../logging/logger.js";
import { isDatabaseUnavailable, isUniqueViolation } from "../../persistence/db-errors.js";
import { loggerKey, requestIdKey } from "../context.js";

export function errorBoundary(fallbackLogger: Logger): Interceptor {
  /** The error the caller of `req` sees for `error`. */
  const translated = (req: UnaryOrStreamRequest, error: unknown): ConnectError => {
    const logger = req.contextValues.get(loggerKey) ?? fallbackLogger;
    return toConnectError(error, logger, req.contextValues.get(requestIdKey), `${req.service.typeName}/${req.method.name}`);
  };
  // Not async: one promise per call (the `then`) instead of an async function's and its await's;
  // and the one closure per call is the `then`'s (the translation is made once, above).
  return (next) => (req) => {
    let answer: ReturnType<typeof next>;
    try {
      answer = next(req);
    } catch (error) {
      // An interceptor inside that throws instead of rejecting (validation does).
      return Promise.reject(translated(req, error));
    }
    return answer.then(undefined, (error: unknown) => {
      throw translated(req, error);
    });
  };
}

type UnaryOrStreamRequest = Parameters<Parameters<Interceptor>[0]>[0];

export function toConnectError(error: unknown, logger: Logger, requestId: string, rpc: string): ConnectError {
  const domain = asDomainError(error);
  if (domain) {
    if (domain.reason === "DATABASE_UNAVAILABLE") logger.warn({ err: error, rpc, requestId }, "the database is unavailable");
    return domainToConnect(domain);
  }
  if (error instanceof ConnectError && error.code !== Code.Internal && error.code !== Code.Unknown) return error;
  logger.error({ err: error, rpc, requestId }, "unhandled error in RPC");
  return new ConnectError("Internal Server Error", Code.Internal);
}

/** The DomainError behind `error`, recognizing database constraint violations and outages. */
export function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof ConnectError && error.cause instanceof DomainError) return error.cause;
  if (isUniqueViolation(error)) return alreadyExists("ALREADY_EXISTS", "The resource already exists");
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error);
  return undefined;
}

type OutgoingDetails = ConstructorParameters<typeof ConnectError>[3];

function domainToConnect(error: DomainError): ConnectError {
  const details: NonNullable<OutgoingDetails> = [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: error.reason, domain: "svault" }) },
  ];
  if (error.violations.length > 0) {
    const fieldViolations = error.violations.map((v) => ({ field: v.path.join("."), description: v.message, reason: v.type }));
    details.push({ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations }) });
  }
  const metadata = error.retryAfterSeconds ? { "retry-after": String(error.retryAfterSeconds) } : undefined;
  return new ConnectError(error.message, error.code, metadata, details, error);
}
