// A migrated ORM on a fresh test database, for persistence-level tests.
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Database, migrate, openDatabase } from "../../src/persistence/database.js";
import { captureLogs } from "./log-capture.js";
import { testConfig } from "./test-config.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestOrm {
  readonly orm: MikroORM;
  readonly database: Database;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

export async function openTestOrm(): Promise<TestOrm> {
  const db = await createTestDatabase();
  const logs = captureLogs("warn");
  const database = await openDatabase(testConfig({ DATABASE_URL: db.url }), logs.logger);
  await migrate(database.orm, logs.logger);
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
