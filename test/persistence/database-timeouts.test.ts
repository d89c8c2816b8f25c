// The bounds on waiting for DATABASE_URL (src/persistence/database.ts): every statement of the
// ORM's pool is cancelled by Postgres at DATABASE_STATEMENT_TIMEOUT_MS, as an outage the client
// may retry — except the migrations', which may rightly run longer (an index built on a big
// table) and must not stop the start-up.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { type Database, migrate, openDatabase } from "../../src/persistence/database.js";
import { isDatabaseUnavailable } from "../../src/persistence/db-errors.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { until } from "../support/until.js";

// Short enough that the test's pg_sleep(1) is cancelled; long enough that a plain `show` is not,
// with both cores busy (at 100 ms one was, in a whole run under load).
const STATEMENT_TIMEOUT_MS = 500;

let db: TestDatabase;
let database: Database;
before(async () => {
  db = await createTestDatabase();
  database = await openDatabase(
    testConfig({ DATABASE_URL: db.url, DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) }),
    captureLogs("warn").logger,
  );
});
after(async () => {
  await database?.close();
  await db?.drop();
});

describe("the statement timeout of the ORM's pool", () => {
  it("does not apply to the migrations: one that waits for a lock longer than the timeout goes on", async () => {
    // The table the migrator reads first, created as MikroORM creates it, and locked.
    const holder = new pg.Client({ connectionString: db.url });
    // Not the holder: inside a transaction, pg_stat_activity keeps showing its first snapshot.
    const observer = new pg.Client({ connectionString: db.url });
    await Promise.all([holder.connect(), observer.connect()]);
    try {
      await holder.query(
        "create table schema_migrations (id serial primary key, name varchar(255), executed_at timestamptz default now())",
      );
      await holder.query("begin");
      await holder.query("lock table schema_migrations in access exclusive mode");
      const migrating = migrate(database.orm, captureLogs("warn").logger);
      let migrated = false;
      void migrating.finally(() => {
        migrated = true;
      });
      // Released once a migration statement has waited for the lock twice as long as any other
      // statement may run (Postgres's statement_timeout is the thing under test: its clock is the
      // database's own), or once the migrations ended, which the assertion below then explains.
      await until(
        async () => {
          const { rows } = await observer.query(
            `select 1 from pg_stat_activity where datname = $1 and application_name = 'svault' and wait_event_type = 'Lock'
               and clock_timestamp() - query_start > make_interval(secs => $2)`,
            [db.name, (2 * STATEMENT_TIMEOUT_MS) / 1000],
          );
          return migrated || rows.length > 0;
        },
        { what: "a migration statement has waited for the lock past the statement timeout" },
      );
      await holder.query("rollback");
      assert.ok((await migrating).length > 0, "the migrations ran");
    } finally {
      await Promise.all([holder.end(), observer.end()]);
    }
  });

  it("applies to every other statement, which then fails as the database being unavailable", async () => {
    const connection = database.orm.em.getConnection();
    assert.deepEqual(await connection.execute("show statement_timeout"), [{ statement_timeout: `${STATEMENT_TIMEOUT_MS}ms` }]);
    const slow = await connection.execute("select pg_sleep(1)").then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.equal((slow as { code?: string } | undefined)?.code, "57014", String(slow));
    assert.ok(isDatabaseUnavailable(slow));
  });
});
