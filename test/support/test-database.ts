// A fresh Postgres database per test file on the machine's real server (127.0.0.1:5432 by
// default; TEST_PG_ADMIN_URL overrides), dropped when the file's tests end: an empty one, or one
// already migrated (a copy of a template that the committed migrations were applied to once).
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { migrate, openDatabase } from "../../src/persistence/database.js";
import { captureLogs } from "./log-capture.js";
import { testConfig } from "./test-config.js";

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
export async function createScratchDatabase(prefix: string, adminUrl = ADMIN_URL, template?: string): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`));
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

/** An empty database: for the tests of the migrations, and of a server's first start on an empty database. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase("svault_test");
}

/**
 * A database with the schema of the committed migrations, as the service's migrate() leaves it:
 * a copy (`CREATE DATABASE … TEMPLATE`) of a template database that the migrations were applied
 * to once. Applying them to every test file's own database cost each file ≈ 0.4 s of its own CPU
 * and more of Postgres's; a copy is a file copy. The template's name carries a hash of the
 * migrations, so a changed migration makes a new template; the first test process that needs it
 * makes it (under an advisory lock: files run side by side) and the others wait for it.
 */
export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  const template = await migratedTemplate();
  return createScratchDatabase("svault_test", ADMIN_URL, template);
}

const SRC = join(import.meta.dirname, "..", "..", "src");

/** A hash of what the migrated schema comes from: the migrations, and the migrator's settings (database.ts). */
function migrationsHash(): string {
  const migrations = join("persistence", "migrations");
  const sources = [...readdirSync(join(SRC, migrations)).map((name) => join(migrations, name)), join("persistence", "database.ts")];
  const hash = createHash("sha256");
  for (const path of sources.sort())
    hash
      .update(path)
      .update("\0")
      .update(readFileSync(join(SRC, path)));
  return hash.digest("hex").slice(0, 16);
}

let template: Promise<string> | undefined;

function migratedTemplate(): Promise<string> {
  template ??= makeTemplateOnce(`svault_template_${migrationsHash()}`);
  return template;
}

async function makeTemplateOnce(name: string): Promise<string> {
  await admin(ADMIN_URL, async (client) => {
    // Session-level: released when this connection ends, also if this process dies half-way.
    await client.query("select pg_advisory_lock(hashtext($1))", [name]);
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount) return;
    // Migrated under another name and renamed when complete: a template is never half made.
    const scratch = await createScratchDatabase("svault_template_making");
    try {
      const logs = captureLogs("warn");
      const database = await openDatabase(testConfig({ DATABASE_URL: scratch.url }), logs.logger);
      try {
        await migrate(database.orm, logs.logger);
      } finally {
        await database.close();
      }
      await client.query(`ALTER DATABASE "${scratch.name}" RENAME TO "${name}"`);
    } catch (error) {
      await scratch.drop();
      throw error;
    }
  });
  return name;
}
