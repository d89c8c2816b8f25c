// The migrations' names (src/persistence/migrations/names.ts), from which start-up and readiness
// decide whether a migration is pending without loading the migration library: they must be the
// migration files, the classes the migrator runs (index.ts), and what it writes to schema_migrations.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { migrate, openDatabase } from "../../src/persistence/database.js";
import { missingMigrations } from "../../src/persistence/migration-state.js";
import { migrations } from "../../src/persistence/migrations/index.js";
import { migratorOf } from "../../src/persistence/migrations/migrator.js";
import { migrationNames } from "../../src/persistence/migrations/names.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase } from "../support/test-database.js";

const MIGRATIONS = join(import.meta.dirname, "..", "..", "src", "persistence", "migrations");

describe("the migrations' names", () => {
  it("are the migration files, once each, in the order of their timestamps", () => {
    const files = readdirSync(MIGRATIONS)
      .filter((name) => /^Migration\d{14}_\w+\.ts$/.test(name))
      .map((name) => name.replace(/\.ts$/, ""));
    assert.ok(files.length > 0, "migration files found");
    assert.deepEqual([...migrationNames].sort(), files.sort());
    assert.equal(new Set(migrationNames).size, migrationNames.length, "no name twice");
    const stamps = migrationNames.map((name) => name.slice("Migration".length, "Migration".length + 14));
    assert.deepEqual(stamps, [...stamps].sort(), "applied in the order they were written");
  });

  it("are the names and classes the migrator runs, in the same order", () => {
    assert.deepEqual(
      migrations.map((migration) => migration.name),
      [...migrationNames],
    );
    for (const migration of migrations) assert.equal(migration.class.name, migration.name, "each name has its own class");
  });

  it("are what the migrator records: all missing on an empty database, none after migrate, which then finds nothing to do, one after it is taken back", async () => {
    const db = await createTestDatabase();
    const logs = captureLogs("info");
    const database = await openDatabase(testConfig({ DATABASE_URL: db.url }), logs.logger);
    try {
      assert.deepEqual(await missingMigrations(database.orm), [...migrationNames], "no migrations table yet: all missing");
      assert.deepEqual(await migrate(database.orm, logs.logger), [...migrationNames]);
      const recorded = await database.orm.em.getConnection().execute<{ name: string }[]>("select name from schema_migrations order by id");
      assert.deepEqual(
        recorded.map((row) => row.name),
        [...migrationNames],
      );
      assert.deepEqual(await missingMigrations(database.orm), []);

      assert.deepEqual(await migrate(database.orm, logs.logger), []);
      const last = JSON.parse(logs.lines.at(-1) as string) as Record<string, unknown>;
      assert.equal(last.msg, "database schema up to date");
      assert.equal(last.applied, 0);

      // The latest one taken back (its down): the names find it missing, and migrate applies it alone.
      const latest = migrationNames.at(-1) as string;
      await migratorOf(database.orm).down();
      assert.deepEqual(await missingMigrations(database.orm), [latest]);
      assert.deepEqual(await migrate(database.orm, logs.logger), [latest]);
      assert.deepEqual(await missingMigrations(database.orm), []);
    } finally {
      await database.close();
      await db.drop();
    }
  });
});
