// A fresh, empty Postgres database per test file on the machine's real server (127.0.0.1:5432 by
// default; TEST_PG_ADMIN_URL overrides), dropped when the file's tests end.
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh database named `<prefix>_<time>_<random>` on the server of `adminUrl` (benchmarks use it too). */
export async function createScratchDatabase(prefix: string, adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** `url` with its host and port replaced: the same database reached through a proxy at 127.0.0.1:`port`. */
export function throughProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  return proxied.toString();
}

/** Host and port of the machine's Postgres server that the test databases are made on. */
export function testServerAddress(): { host: string; port: number } {
  const url = new URL(ADMIN_URL);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase("svault_test");
}
