// Writes a new migration with the SQL that brings the committed schema (all existing migrations,
// applied to a scratch database on the local Postgres) up to the current entity definitions.
// Usage: npm run migration:create -- <name>. Review the SQL, then add its name to
// src/persistence/migrations/names.ts and its class to src/persistence/migrations/index.ts.
import { randomBytes } from "node:crypto";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { createLogger } from "../src/logging/logger.js";
import { ormOptions } from "../src/persistence/database.js";
import { parseDatabaseUrl } from "../src/persistence/database-url.js";
import { migrations } from "../src/persistence/migrations/index.js";

const adminUrl = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = process.argv[2] ?? "change";
const scratch = `svault_migration_${randomBytes(4).toString("hex")}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

await admin(`CREATE DATABASE "${scratch}"`);
try {
  const url = new URL(adminUrl);
  url.pathname = `/${scratch}`;
  const base = ormOptions({ connection: parseDatabaseUrl(url.toString()), poolMax: 1 }, createLogger("warn"));
  const orm = await MikroORM.init({
    ...base,
    extensions: [Migrator],
    migrations: { ...base.migrations, migrationsList: migrations, path: "src/persistence/migrations", emit: "ts", snapshot: false },
  });
  await orm.getMigrator().up();
  const result = await orm.getMigrator().createMigration("src/persistence/migrations", false, false, name);
  await orm.close();
  if (result.diff.up.length === 0) console.log("no schema changes");
  else
    console.log(
      `wrote src/persistence/migrations/${result.fileName} — review it and add it to migrations/names.ts and migrations/index.ts`,
    );
} finally {
  await admin(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
}
