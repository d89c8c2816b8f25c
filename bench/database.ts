// A fresh, empty Postgres database for one benchmark run on the machine's server (127.0.0.1:5432;
// BENCH_PG_ADMIN_URL or TEST_PG_ADMIN_URL overrides), dropped at the end (as the tests' databases).
import pg from "pg";
import { createScratchDatabase } from "../test/support/test-database.js";

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  /** The server's `select version()`, for the report. */
  readonly serverVersion: string;
  /**
   * ANALYZE every table, as a production server's autovacuum does on its own. This machine's
   * Postgres runs with autovacuum off (/etc/postgresql/15/main/conf.d/90-ci.conf), so without it a
   * table that starts empty never gets statistics: the planner then takes `tenant_id = $1` for a
   * selective predicate, and a prepared statement's generic plan, made while the table was tiny,
   * can keep scanning a tenant-leading index instead of the primary key as the table grows
   * (docs/performance.md, "The refresh grant's frozen plan"). Call it once the fixtures exist.
   */
  analyze(): Promise<void>;
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const database = await createScratchDatabase("svault_bench", ADMIN_URL);
  const { rows } = await withClient(database.url, (client) => client.query<{ version: string }>("select version() as version"));
  return {
    ...database,
    serverVersion: rows[0]?.version ?? "unknown",
    analyze: () => withClient(database.url, async (client) => void (await client.query("analyze"))),
  };
}

/** `work` on a connection of its own to the database at `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
