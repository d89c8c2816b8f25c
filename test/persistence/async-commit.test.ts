// The login's bookkeeping statements commit asynchronously (src/persistence/async-commit.ts):
// the setting must apply to the statement that carries it, and to nothing after it on the same
// pooled connection.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ASYNC_COMMIT, ASYNC_COMMIT_COLUMN } from "../../src/persistence/async-commit.js";
import { sql } from "../../src/persistence/sql-fragment.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let database: TestDatabase;
let client: pg.Client;
before(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("create table note (id serial primary key, text varchar not null)");
});
after(async () => {
  await client.end();
  await database.drop();
});

const run = async (statement: ReturnType<typeof sql>) => (await client.query(statement.numberedText, [...statement.values])).rows;
const setting = async () => (await client.query<{ synchronous_commit: string }>("show synchronous_commit")).rows[0]?.synchronous_commit;

describe("asynchronous commit of one statement", () => {
  it("is on for the statement that carries it, which still writes, and off again for the next statement", async () => {
    assert.equal(await setting(), "on");
    const rows = await run(
      sql`with ${ASYNC_COMMIT}, written as (insert into note (text) values (${"kept"}) returning id)
        select (select count(*) from written)::int as written, ${ASYNC_COMMIT_COLUMN}`,
    );
    assert.deepEqual(rows, [{ written: 1, synchronous_commit: "off" }]);
    assert.equal(await setting(), "on", "the setting did not outlive the statement's transaction");
    assert.deepEqual((await client.query("select text from note")).rows, [{ text: "kept" }]);
  });

  it("inside an explicit transaction, ends with that transaction", async () => {
    await client.query("begin");
    await run(sql`with ${ASYNC_COMMIT} select ${ASYNC_COMMIT_COLUMN}`);
    assert.equal(await setting(), "off");
    await client.query("commit");
    assert.equal(await setting(), "on");
  });

  it("applies only where the final query reads it: a statement without the column keeps synchronous commit", async () => {
    // A CTE that nothing references is never run: this is why the column is part of the recipe.
    await client.query("begin");
    await run(sql`with ${ASYNC_COMMIT} select 1 as one`);
    assert.equal(await setting(), "on");
    await client.query("rollback");
  });
});
