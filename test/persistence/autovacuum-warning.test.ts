// An operator whose Postgres runs without autovacuum is told at start-up (src/persistence/
// database.ts, warnIfAutovacuumIsOff): the prepared statements' plans then never follow the
// tables' growth (docs/operations.md, "Table statistics"). The machine's own server decides which
// case this run sees (CI's has autovacuum off); the assertion holds for either.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { openDatabase } from "../../src/persistence/database.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db?.drop());

it("warns at start-up exactly when the server's autovacuum is off", async () => {
  const logs = captureLogs("warn");
  const database = await openDatabase(testConfig({ DATABASE_URL: db.url }), logs.logger);
  try {
    const [setting] = await database.orm.em
      .getConnection()
      .execute<{ autovacuum: string }[]>("select current_setting('autovacuum') as autovacuum");
    const warnings = logs.lines.filter((line) => line.includes("autovacuum is off"));
    assert.equal(warnings.length, setting?.autovacuum === "off" ? 1 : 0, logs.text());
    if (warnings.length === 1) assert.match(warnings[0] ?? "", /"level":40/);
  } finally {
    await database.close();
  }
});
