// The hot paths' plain statements run pipelined on a few connections of their own
// (src/persistence/statement-pipelines.ts): answers must be exactly node-pg's, each statement
// must still run and commit on its own, and a lost connection must fail only what it carried.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ASYNC_COMMIT, ASYNC_COMMIT_COLUMN } from "../../src/persistence/async-commit.js";
import { ConnectionLostError } from "../../src/persistence/pipelined-connection.js";
import type { Statement } from "../../src/persistence/plain-sql.js";
import { StatementPipelines } from "../../src/persistence/statement-pipelines.js";
import { sql } from "../../src/persistence/sql-fragment.js";
import { captureLogs } from "../support/log-capture.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { until } from "../support/until.js";

let database: TestDatabase;
let reference: pg.Client;
const opened: StatementPipelines[] = [];

function pipelines(
  size: number,
  applicationName = "svault-test",
  settings: pg.ClientConfig = {},
  answerTimeoutMs = 30_000,
): StatementPipelines {
  const made = new StatementPipelines(
    { connectionString: database.url, application_name: applicationName, ...settings },
    size,
    answerTimeoutMs,
    captureLogs("warn").logger,
  );
  opened.push(made);
  return made;
}

/** A statement as PlainSql makes one: a name per text. */
let named = 0;
function statement(fragment: ReturnType<typeof sql>, name = `test_statement_${++named}`): Statement {
  return { name, text: fragment.numberedText, values: fragment.values };
}

before(async () => {
  database = await createTestDatabase();
  reference = new pg.Client({ connectionString: database.url });
  await reference.connect();
  await reference.query("create table note (id int primary key, text varchar not null, body jsonb)");
});
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
  await reference.end();
  await database.drop();
});

const backendPid = sql`select pg_backend_pid() as pid`;

describe("pipelined statements", () => {
  it("answer exactly as node-pg's Client.query does, for every kind of value and null", async () => {
    const runner = pipelines(1);
    const query = sql`select ${42}::int as int, ${"9007199254740993"}::bigint as big, ${"text ✓"}::text as text,
      ${Buffer.from([0, 1, 254, 255])}::bytea as bytes, ${JSON.stringify({ a: [1, "b"] })}::jsonb as json,
      ${new Date("2026-11-29T08:00:00.123Z")}::timestamptz as at, ${["x", "y,z"]}::text[] as list, ${true}::boolean as yes,
      ${null}::text as nothing, '7c9e6679-7425-40de-944b-e07fc1f90ae7'::uuid as id, 1.5::numeric as decimal`;
    const [rows, expected] = await Promise.all([runner.run(statement(query)), reference.query(query.numberedText, [...query.values])]);
    assert.deepEqual(rows, expected.rows);
    assert.ok(Buffer.isBuffer((rows[0] as { bytes: unknown }).bytes));
    assert.deepEqual(await runner.run(statement(sql`select 1 as one where false`)), []);
  });

  it("asked for in one tick, run on one backend in order, each with its own answer", async () => {
    const runner = pipelines(1);
    const echo = statement(sql`select ${0}::int as n, pg_backend_pid() as pid`);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => runner.run({ ...echo, values: [n] })));
    assert.deepEqual(
      answers.map((rows) => (rows[0] as { n: number }).n),
      Array.from({ length: 50 }, (_, n) => n),
    );
    assert.equal(new Set(answers.map((rows) => (rows[0] as { pid: number }).pid)).size, 1);
  });

  it("parse a statement once per connection, however often it runs", async () => {
    const runner = pipelines(1);
    const select = statement(sql`select ${1}::int as one`, "test_parsed_once");
    await Promise.all([runner.run(select), runner.run(select), runner.run(select)]);
    const prepared = statement(sql`select count(*)::int as count from pg_prepared_statements where name = ${"test_parsed_once"}`);
    assert.deepEqual(await runner.run(prepared), [{ count: 1 }]);
  });

  it("each commit on their own: a failing statement fails alone, the ones around it are written", async () => {
    const runner = pipelines(1);
    const insert = statement(sql`insert into note (id, text) values (${0}, ${""}) returning id`);
    const results = await Promise.allSettled([
      runner.run({ ...insert, values: [1, "first"] }),
      runner.run({ ...insert, values: [1, "same key"] }),
      runner.run(statement(sql`select 1 / ${0}::int as never`)),
      runner.run({ ...insert, values: [2, "after"] }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "rejected", "fulfilled"],
    );
    assert.equal(((results[1] as PromiseRejectedResult).reason as { code: string }).code, "23505");
    assert.equal(((results[2] as PromiseRejectedResult).reason as { code: string }).code, "22012");
    const stored = await reference.query("select id, text from note order by id");
    assert.deepEqual(stored.rows, [
      { id: 1, text: "first" },
      { id: 2, text: "after" },
    ]);
    await reference.query("delete from note");
  });

  it("keep a statement whose Parse went through though its first run failed: its next run does not parse it again", async () => {
    const runner = pipelines(1);
    await reference.query("insert into note (id, text) values (10, 'taken')");
    const insert = statement(sql`insert into note (id, text) values (${0}, ${""}) returning id`);
    await assert.rejects(runner.run({ ...insert, values: [10, "same key"] }), { code: "23505" });
    // Parsing the name again would fail: "prepared statement … already exists" (42P05).
    assert.deepEqual(await runner.run({ ...insert, values: [11, "next"] }), [{ id: 11 }]);
    await reference.query("delete from note");
  });

  it("answer statements of other shapes under their own columns, however they interleave", async () => {
    const runner = pipelines(1);
    const shapes = [
      statement(sql`select ${0}::int as n, ${"a"}::text as label`),
      statement(sql`select ${"b"}::text as other, ${0}::int as m, null::jsonb as nothing`),
      statement(sql`select 1 as one where ${0}::int < 0`),
      statement(sql`insert into note (id, text) select ${0}, 'x' where false`),
    ];
    const runs = Array.from({ length: 40 }, (_, i) => {
      const shape = shapes[i % shapes.length] as Statement;
      return runner.run({ ...shape, values: shape.values.map((value) => (typeof value === "number" ? i : value)) });
    });
    const answers = await Promise.all(runs);
    answers.forEach((rows, i) => {
      const expected = [[{ n: i, label: "a" }], [{ other: "b", m: i, nothing: null }], [], []][i % 4];
      assert.deepEqual(rows, expected, `run ${i}`);
    });
  });

  it("send a tick's statements larger than the socket takes at once, and the ones asked for while it is written", async () => {
    const runner = pipelines(1);
    const length = sql`select length(${""}::text) as length, ${0}::int as n`;
    const big = "✓".repeat(6 * 1024 * 1024);
    const lengthOf = statement(length, "test_big");
    const first = [runner.run({ ...lengthOf, values: [big, 0] }), runner.run({ ...lengthOf, values: ["small", 1] })];
    // Asked for in the next tick, while the big one is still being written.
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => runner.run({ ...lengthOf, values: [`n${n}`, n] }));
    const answers = await Promise.all([...first, ...later]);
    assert.deepEqual(
      answers.map((rows) => rows[0]),
      [{ length: big.length, n: 0 }, { length: 5, n: 1 }, ...[2, 3, 4].map((n) => ({ length: 2, n }))],
    );
  });

  it("keep a statement's transaction-local settings to that statement", async () => {
    const runner = pipelines(1);
    const [asyncCommit, after] = await Promise.all([
      runner.run(statement(sql`with ${ASYNC_COMMIT} select ${ASYNC_COMMIT_COLUMN}`)),
      runner.run(statement(sql`select current_setting('synchronous_commit') as synchronous_commit`)),
    ]);
    assert.deepEqual(asyncCommit, [{ synchronous_commit: "off" }]);
    assert.deepEqual(after, [{ synchronous_commit: "on" }]);
  });

  it("refuse a statement that does not parse, again on its next use, and carry on with the others", async () => {
    const runner = pipelines(1);
    const broken = { name: "test_broken", text: "selec 1", values: [] };
    const results = await Promise.allSettled([
      runner.run(broken),
      runner.run(statement(sql`select ${5}::int as five`)),
      runner.run(broken),
    ]);
    assert.equal(((results[0] as PromiseRejectedResult).reason as { code: string }).code, "42601");
    assert.deepEqual((results[1] as PromiseFulfilledResult<unknown[]>).value, [{ five: 5 }]);
    assert.equal(results[2]?.status, "rejected");
    await assert.rejects(runner.run(broken), { code: "42601" });
  });

  it("refuse a value node-pg cannot send before writing anything, and run the rest", async () => {
    const runner = pipelines(1);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const insert = statement(sql`insert into note (id, text, body) values (${0}, ${""}, ${null}) returning id`);
    const results = await Promise.allSettled([
      runner.run({ ...insert, values: [3, "circular", circular] }),
      runner.run({ ...insert, values: [4, "fine", { ok: true }] }),
    ]);
    assert.equal(results[0]?.status, "rejected");
    assert.match(String((results[0] as PromiseRejectedResult).reason), /circular/i);
    assert.deepEqual((results[1] as PromiseFulfilledResult<unknown[]>).value, [{ id: 4 }]);
    assert.deepEqual((await reference.query("select id, body from note order by id")).rows, [{ id: 4, body: { ok: true } }]);
    await reference.query("delete from note");
  });

  it("after losing their connection, fail what it carried with a clear error and go on over a new one", async () => {
    const runner = pipelines(1);
    const [first] = (await runner.run(statement(backendPid))) as { pid: number }[];
    const sleeping = runner.run(statement(sql`select pg_sleep(${10})`));
    // Terminated while it carries the statement: once Postgres runs it.
    await until(
      async () =>
        (
          await reference.query("select 1 from pg_stat_activity where pid = $1 and state = 'active' and query like '%pg_sleep%'", [
            first?.pid,
          ])
        ).rows.length > 0,
      { what: "the pipelined connection runs the statement" },
    );
    // Expected before the termination: the loss can reach this process before the answer to
    // pg_terminate_backend does, and a rejection nobody awaits yet would count as unhandled.
    const failed = assert.rejects(
      sleeping,
      (error: unknown) => error instanceof ConnectionLostError && /database connection was lost/.test(error.message),
    );
    await reference.query("select pg_terminate_backend($1)", [first?.pid]);
    await failed;
    const [second] = (await runner.run(statement(backendPid))) as { pid: number }[];
    assert.ok(second && second.pid !== first?.pid, "a new backend answers");
  });

  it("give up on a statement that outlives the statement timeout, and answer the ones behind it", async () => {
    const runner = pipelines(1, "svault-test", { statement_timeout: 200 });
    const [stuck, behind] = await Promise.allSettled([
      runner.run(statement(sql`select pg_sleep(${5})`)),
      runner.run(statement(sql`select ${"next"}::text as answer`)),
    ]);
    assert.equal(((stuck as PromiseRejectedResult).reason as { code: string }).code, "57014");
    assert.deepEqual((behind as PromiseFulfilledResult<unknown[]>).value, [{ answer: "next" }]);
  });

  it("give up on a connection that answers nothing within the answer timeout, failing what it carried, and go on over a new one", async () => {
    // No statement_timeout: Postgres itself would wait. The service must not (a frozen database).
    const runner = pipelines(1, "svault-test", {}, 300);
    const [first] = (await runner.run(statement(backendPid))) as { pid: number }[];
    const started = performance.now();
    const [stuck, behind] = await Promise.allSettled([
      runner.run(statement(sql`select pg_sleep(${5})`)),
      runner.run(statement(sql`select ${"next"}::text as answer`)),
    ]);
    const waited = performance.now() - started;
    for (const outcome of [stuck, behind]) {
      const reason = (outcome as PromiseRejectedResult).reason;
      assert.ok(reason instanceof ConnectionLostError && /no answer from the database for \d+ ms/.test(reason.message), String(reason));
    }
    assert.ok(waited >= 300 && waited < 800, `gave up after ${Math.round(waited)} ms (answer timeout 300 ms)`);
    const [second] = (await runner.run(statement(backendPid))) as { pid: number }[];
    assert.ok(second && second.pid !== first?.pid, "a new connection answers");
  });

  it("spread a busy moment over every connection allowed, and no more", async () => {
    const runner = pipelines(2);
    await runner.run(statement(backendPid));
    const pids = new Set<number>();
    const slow = statement(sql`select pg_backend_pid() as pid, pg_sleep(${0.02})`);
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => runner.run(slow)));
      for (const rows of answers) pids.add((rows[0] as { pid: number }).pid);
    }
    assert.equal(pids.size, 2);
  });

  it("once closed, end their connections and refuse further statements", async () => {
    const runner = pipelines(2, "svault-test-closing");
    await Promise.all([runner.run(statement(backendPid)), runner.run(statement(backendPid))]);
    await runner.close();
    await assert.rejects(runner.run(statement(backendPid)), /closed/);
    const left = await reference.query(
      "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'svault-test-closing'",
      [database.name],
    );
    assert.deepEqual(left.rows, [{ n: 0 }]);
  });
});
