// A logger whose every line is kept, for tests that assert what is (and is not) logged.
import { Writable } from "node:stream";
import { createLogger } from "../../src/logging/logger.js";
import type { LogLevel } from "../../src/config/config.js";

export interface CapturedLogs {
  readonly logger: ReturnType<typeof createLogger>;
  readonly lines: string[];
  text(): string;
}

export function captureLogs(level: LogLevel = "info"): CapturedLogs {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines, text: () => lines.join("\n") };
}
