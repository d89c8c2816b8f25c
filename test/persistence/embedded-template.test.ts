// A new embedded database is made once by initdb and from then on copied from the template that
// first one left (src/persistence/embedded-template.ts): each copy is a whole, independent
// database, and a template that cannot be loaded costs a slower start, never a failed one.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { PGlite } from "@electric-sql/pglite";
import { createFromTemplate } from "../../src/persistence/embedded-template.js";
import { captureLogs } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";

const cacheDir = tempDir("template-cache");
const opened: PGlite[] = [];
after(() => Promise.all(opened.map((db) => db.close())));

async function newDatabase(logs = captureLogs("info")) {
  const db = await createFromTemplate(tempDir("pg"), logs.logger, cacheDir);
  opened.push(db);
  return { db, logs };
}

async function tablesOf(db: PGlite): Promise<string[]> {
  return (await db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by 1")).rows.map(
    (row) => row.name,
  );
}

describe("new embedded databases", () => {
  it("the first is initialised by initdb and leaves the template; the next are copies of it, each its own database", async () => {
    const first = await newDatabase();
    assert.match(first.logs.text(), /creating the embedded database: initdb/);
    const [template] = readdirSync(cacheDir);
    assert.match(template ?? "", /^pglite-[\d.]+-initdb\.tar$/, "the template, named for its PGlite version");
    await first.db.exec("create table only_in_the_first (id int)");

    const second = await newDatabase();
    assert.match(second.logs.text(), /creating the embedded database from the template/);
    assert.doesNotMatch(second.logs.text(), /creating the embedded database: initdb/);
    assert.deepEqual(await tablesOf(second.db), [], "nothing of the first database");
    await second.db.exec("create table t (id int primary key); insert into t values (1)");
    assert.deepEqual((await second.db.query("select id from t")).rows, [{ id: 1 }]);
    assert.deepEqual(await tablesOf(first.db), ["only_in_the_first"]);
  });

  it("a template that cannot be loaded is replaced, and the database is made by initdb", async () => {
    const [template] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, template as string), "not a tar archive");
    const { db, logs } = await newDatabase();
    assert.match(logs.text(), /the embedded database template is unusable/);
    assert.match(logs.text(), /creating the embedded database: initdb/);
    assert.deepEqual((await db.query("select 1 as one")).rows, [{ one: 1 }]);
    const again = await newDatabase();
    assert.match(again.logs.text(), /creating the embedded database from the template/, "a good template again");
  });
});
