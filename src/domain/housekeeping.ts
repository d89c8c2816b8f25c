// Deletes short-lived rows that expired unused and rate-limit counters whose window has ended, so
// that those tables stay small (the statements: persistence/expired-rows.ts). Expired rows are
// already refused where they are read; this only reclaims space. Runs on every instance; the
// deletes are idempotent.
import type { Logger } from "../logging/logger.js";

const INTERVAL_MS = 5 * 60_000;

/** Starts the periodic sweep (`sweep` deletes and counts the expired rows); returns a function that stops it. */
export function startHousekeeping(sweep: () => Promise<number>, logger: Logger): () => void {
  const timer = setInterval(() => {
    sweep().then(
      (deleted) => deleted > 0 && logger.debug({ deleted }, "deleted expired authentication rows"),
      (error: unknown) => logger.warn({ err: error }, "housekeeping failed"),
    );
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
