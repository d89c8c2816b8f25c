// A fresh, empty Postgres database for one benchmark run on the machine's server (127.0.0.1:5432;
// BENCH_PG_ADMIN_URL or TEST_PG_ADMIN_URL overrides), dropped at the end (as the tests' databases).
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  /** The server's `select version()`, for the report. */
  readonly serverVersion: string;
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `svault_bench_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const serverVersion = await admin(async (client) => {
    await client.query(`CREATE DATABASE "${name}"`);
    const { rows } = await client.query<{ version: string }>("select version() as version");
    return rows[0]?.version ?? "unknown";
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    serverVersion,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
