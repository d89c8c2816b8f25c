// Deletes short-lived rows that expired unused (challenges, nonces, codes, authorization
// requests), so that those tables stay small. Expired rows are already refused where they are
// read; this only reclaims space. Runs on every instance; the deletes are idempotent.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "../logging/logger.js";

const EXPIRING_TABLES = [
  "auth_challenge",
  "login_nonce",
  "one_time_code",
  "auth_request",
  "authorization_code",
  "refresh_token",
  "revoked_access_token",
] as const;
const INTERVAL_MS = 5 * 60_000;

export async function deleteExpiredRows(orm: MikroORM): Promise<number> {
  let deleted = 0;
  for (const table of EXPIRING_TABLES) {
    const result = (await orm.em.getConnection().execute(`delete from ${table} where expires_at < now()`, [], "run")) as {
      affectedRows?: number;
    };
    deleted += result.affectedRows ?? 0;
  }
  return deleted;
}

/** Starts the periodic sweep; returns a function that stops it. */
export function startHousekeeping(orm: MikroORM, logger: Logger): () => void {
  const timer = setInterval(() => {
    deleteExpiredRows(orm).then(
      (deleted) => deleted > 0 && logger.debug({ deleted }, "deleted expired authentication rows"),
      (error: unknown) => logger.warn({ err: error }, "housekeeping failed"),
    );
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
