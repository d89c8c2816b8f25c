// A fresh, empty Postgres database for one benchmark run on the machine's server (127.0.0.1:5432;
// BENCH_PG_ADMIN_URL or TEST_PG_ADMIN_URL overrides), dropped at the end (as the tests' databases).
import pg from "pg";
import { createScratchDatabase } from "../test/support/test-database.js";

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  /** The server's `select version()`, for the report. */
  readonly serverVersion: string;
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const database = await createScratchDatabase("svault_bench", ADMIN_URL);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>("select version() as version");
    return { ...database, serverVersion: rows[0]?.version ?? "unknown" };
  } finally {
    await client.end();
  }
}
