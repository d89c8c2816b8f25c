// Asynchronous commit for one statement: its transaction returns without waiting for the WAL
// flush (Postgres `synchronous_commit = off`, set for that transaction only).
//
// For the login's own bookkeeping (docs/login-protocol.md §8, docs/performance.md): challenges
// (two minutes of life), guess counters, login nonces (five minutes). If the Postgres server
// itself crashes, the last fraction of a second of such commits (at most 3 × wal_writer_delay,
// 600 ms by default) can be lost — as if those attempts had not happened: a user asks for a new
// challenge or signs in again, a few guesses go uncounted. Nothing is lost when the service
// crashes, and the database stays consistent (the WAL is replayed in order, so a later
// synchronous commit — Sign In, any admin change — makes every earlier asynchronous one durable
// too). Not for anything a user or an administrator expects to persist.
//
// Usage: put ASYNC_COMMIT in the statement's WITH list and ASYNC_COMMIT_COLUMN in the select list
// of its final query (a CTE is only run when referenced, and a scalar subquery in the select list
// is run for each row). The setting ends with the statement's transaction, so it never leaks into
// the pooled connection's next statement (test/persistence/async-commit.test.ts).
import { sql } from "./sql-fragment.js";

export const ASYNC_COMMIT = sql`async_commit as (select set_config('synchronous_commit', 'off', true) as setting)`;

/** `'off'` in the result row: the statement's transaction commits asynchronously. */
export const ASYNC_COMMIT_COLUMN = sql`(select setting from async_commit) as synchronous_commit`;
