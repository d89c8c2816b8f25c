// A logger whose every line is kept, for tests that assert what is (and is not) logged.
import { Writable } from "node:stream";
import { createLogger } from "../../src/logging/logger.js";
import type { LogLevel } from "../../src/config/config.js";

export interface CapturedLogs {
  readonly logger: ReturnType<typeof createLogger>;
  readonly lines: string[];
  text(): string;
  /** The first line (parsed), logged already or still to come, that matches. */
  waitForLine(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export function captureLogs(level: LogLevel = "info"): CapturedLogs {
  const lines: string[] = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push(text);
        const line = JSON.parse(text) as Record<string, unknown>;
        for (const waiter of waiters) {
          if (!waiter.predicate(line)) continue;
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    lines,
    text: () => lines.join("\n"),
    waitForLine(predicate) {
      const seen = lines.map((text) => JSON.parse(text) as Record<string, unknown>).find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ predicate, resolve }));
    },
  };
}
