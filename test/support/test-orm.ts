// An ORM on a fresh, migrated test database (test-database.ts), for persistence-level tests.
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Database, openDatabase } from "../../src/persistence/database.js";
import { captureLogs } from "./log-capture.js";
import { testConfig } from "./test-config.js";
import { createMigratedTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestOrm {
  readonly orm: MikroORM;
  readonly database: Database;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

export async function openTestOrm(): Promise<TestOrm> {
  const db = await createMigratedTestDatabase();
  const database = await openDatabase(testConfig({ DATABASE_URL: db.url }), captureLogs("warn").logger);
  return {
    orm: database.orm,
    database,
    db,
    async close() {
      await database.close();
      await db.drop();
    },
  };
}
