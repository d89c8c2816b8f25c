// Several instances started at once on one database (a rolling update, a scaled-up Deployment)
// must not migrate or bootstrap it side by side: two would both find a migration pending and both
// run its DDL, or both find the database empty and both create the default tenant. One Postgres
// advisory lock, held on a connection of its own for the time of the migrations and the bootstrap,
// lets them take turns: the first migrates, the others then find nothing left to do.
//
// The lock is a session lock on a connection outside the ORM's pool, because the migrations
// reconnect that pool (database.ts, `migrate`), and without statement_timeout, because waiting for
// the lock while another instance runs a long migration is a statement that must not time out.
import pg from "pg";
import type { DatabaseConnection } from "./database-url.js";

/** An arbitrary 64-bit key, the same in every version: "svault" + "migrate" in ASCII, truncated. */
const STARTUP_LOCK_KEY = "8319395796849636";

export async function holdingStartupLock<T>(connection: DatabaseConnection, connectTimeoutMs: number, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user ?? "",
    password: connection.password,
    database: connection.database,
    ssl: connection.tls,
    application_name: "svault-startup",
    connectionTimeoutMillis: connectTimeoutMs,
  });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1::bigint)", [STARTUP_LOCK_KEY]);
    return await work();
  } finally {
    // Closing the session releases the lock too; the explicit unlock only makes it prompt.
    await client.query("select pg_advisory_unlock($1::bigint)", [STARTUP_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
