// The exit codes scripts can rely on, and the one line an error is printed as. A server error
// keeps the server's detail: its message, its stable reason (google.rpc.ErrorInfo) and the fields
// it refused (google.rpc.BadRequest).
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";

export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** Anything not listed below (e.g. rate limited, cancelled). */
  failure: 1,
  /** The command line or an input file is wrong, or the server refused the request's values. */
  usage: 2,
  /** No API key, a key the server does not accept, or a key without the permission. */
  auth: 3,
  /** What the command names does not exist (or is in a tenant the key cannot see). */
  notFound: 4,
  /** The request conflicts with the state of the service (e.g. the id is taken). */
  conflict: 5,
  /** The service could not be reached, or failed. */
  unavailable: 6,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed by `svault --help` and docs/cli.md. */
export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  other failure (e.g. rate limited)
  2  usage error: unknown command or option, bad value or input file, or a request the server
     refused as invalid (InvalidArgument, OutOfRange)
  3  authentication or permission: no API key, a key the server refuses (Unauthenticated), or
     one without the needed scope (PermissionDenied)
  4  not found (NotFound)
  5  conflict with the service's state (AlreadyExists, FailedPrecondition, Aborted)
  6  the service is unreachable or failed (Unavailable, DeadlineExceeded, Internal, Unknown,
     Unimplemented, DataLoss)`;

/** A failure the CLI itself detected, with the exit code it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.usage);

const EXIT_CODE_OF: Partial<Record<Code, ExitCode>> = {
  [Code.InvalidArgument]: ExitCode.usage,
  [Code.OutOfRange]: ExitCode.usage,
  [Code.Unauthenticated]: ExitCode.auth,
  [Code.PermissionDenied]: ExitCode.auth,
  [Code.NotFound]: ExitCode.notFound,
  [Code.AlreadyExists]: ExitCode.conflict,
  [Code.FailedPrecondition]: ExitCode.conflict,
  [Code.Aborted]: ExitCode.conflict,
  [Code.Unavailable]: ExitCode.unavailable,
  [Code.DeadlineExceeded]: ExitCode.unavailable,
  [Code.Internal]: ExitCode.unavailable,
  [Code.Unknown]: ExitCode.unavailable,
  [Code.Unimplemented]: ExitCode.unavailable,
  [Code.DataLoss]: ExitCode.unavailable,
};

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ConnectError) return EXIT_CODE_OF[error.code] ?? ExitCode.failure;
  return ExitCode.failure;
}

/** One line: `<what went wrong>: <the server's message> (<reason>)`, plus every refused field. */
export function describeError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (!(error instanceof ConnectError)) return error instanceof Error ? error.message : String(error);
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason;
  const fields = error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations)
    .map((violation) => `${violation.field}: ${violation.description}`);
  // The server's message already names the first refused field; the others follow it.
  const further = fields.filter((field) => !error.rawMessage.includes(field));
  const detail = [error.rawMessage, ...further].join("; ");
  // A reason that only repeats the code (UNAUTHENTICATED) says nothing more.
  const name = codeName(error.code);
  const telling = reason && reason !== name.toUpperCase().replaceAll(" ", "_");
  return `${name}: ${detail}${telling ? ` (${reason})` : ""}`;
}

/** `NotFound` → `not found`. */
function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (letter, index: number) => `${index > 0 ? " " : ""}${letter.toLowerCase()}`);
}
