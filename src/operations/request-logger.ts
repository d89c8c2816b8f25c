// A request's logger, made when the request first writes a line. Fastify gives every request a
// child of the process logger that names its request id (`reqId`); made with pino's `child`, that
// is a new logger object and its bindings serialised for every request, though at the production
// level (warn) almost no request writes a line. This stand-in has the methods Fastify and our code
// use (FastifyBaseLogger) and makes that same pino child on the first line at an enabled level:
// the lines, their bindings and their redaction are pino's, unchanged.
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

/** pino's level numbers: a line is written when its level's is at least the logger's. */
const LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
type LogArguments = [obj: unknown, msg?: string, ...args: unknown[]];

export class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The child pino would have made for the request, made now. */
  private logger(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  private write(level: Level, args: LogArguments): void {
    if (this.made === undefined && (LEVEL_VALUES[level] as number) < (LEVEL_VALUES[this.level] ?? 0)) return;
    (this.logger()[level] as (...args: LogArguments) => void)(...args);
  }

  fatal(...args: LogArguments): void {
    this.write("fatal", args);
  }

  error(...args: LogArguments): void {
    this.write("error", args);
  }

  warn(...args: LogArguments): void {
    this.write("warn", args);
  }

  info(...args: LogArguments): void {
    this.write("info", args);
  }

  debug(...args: LogArguments): void {
    this.write("debug", args);
  }

  trace(...args: LogArguments): void {
    this.write("trace", args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: a RequestLogger instead of a pino child per request. */
export function lazyRequestLoggers(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}
