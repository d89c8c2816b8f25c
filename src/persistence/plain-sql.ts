// Plain statements without an EntityManager: for the hot paths that read and write rows as plain
// data. There, MikroORM's fork, hydration and query formatting and knex's query runner cost more
// than the round trip itself (docs/performance.md), so a statement goes straight to a node-pg
// connection, with its values as parameters. Each distinct text becomes a named prepared
// statement on the connections that run it: Postgres parses and plans it once per connection
// instead of on every call, which halves its CPU time for a login. Rows come back as from
// `em.getConnection().execute` (every node-pg connection of the process carries MikroORM's type
// parsers).
//
// Where the statements run (a StatementRunner): on a few pipelined connections of their own
// (statement-pipelines.ts) when the database allows more connections than the ORM's pool, else
// on the ORM's pool (the embedded database, which has one connection).
//
// Not for use inside a transaction: each statement runs on its own, committed as it completes.
// These statements do not show in MikroORM's debug query log.
// There is no tenant filter here: every statement names its tenant in its own conditions. Name a
// table's columns (no `select *`, `returning *`): a prepared statement's result shape must not
// change under it when a migration adds a column.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { SqlFragment } from "./sql-fragment.js";

export interface Statement {
  /** The prepared statement's name: one text per name, in the whole process. */
  readonly name: string;
  readonly text: string;
  readonly values: readonly unknown[];
}

export interface StatementRunner {
  run(statement: Statement): Promise<unknown[]>;
  /** Pipelined connections: how many are open and how many statements they carry (metrics). */
  state?(): { connections: number; inFlight: number };
  close(): Promise<void>;
}

interface Prepared {
  readonly name: string;
  readonly text: string;
}

/**
 * The prepared statements of the whole process, by text (a name must mean one text on every
 * connection) and by the fragment's shape (sql-fragment.ts), so that a statement run again
 * neither rebuilds its text nor hashes it. Texts never contain values, so both stay small.
 */
const byText = new Map<string, Prepared>();
const byShape = new Map<string, Prepared>();

function preparedOf(statement: SqlFragment): Prepared {
  let prepared = statement.shape === undefined ? undefined : byShape.get(statement.shape);
  if (prepared === undefined) {
    const text = statement.numberedText;
    prepared = byText.get(text);
    if (prepared === undefined) {
      prepared = { name: `plain_sql_${byText.size + 1}`, text };
      byText.set(text, prepared);
    }
    if (statement.shape !== undefined) byShape.set(statement.shape, prepared);
  }
  return prepared;
}

export class PlainSql {
  constructor(private readonly runner: StatementRunner) {}

  /** The statement's rows (not an async function: the runner's promise is the answer, with no other around it). */
  rows<T>(statement: SqlFragment): Promise<T[]> {
    try {
      const { name, text } = preparedOf(statement);
      return this.runner.run({ name, text, values: statement.values }) as Promise<T[]>;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/** Statements on the ORM's pool, one at a time per pooled connection. */
export function poolRunner(orm: MikroORM): StatementRunner {
  return {
    async run({ name, text, values }) {
      const pool = orm.em.getConnection().getKnex().client as KnexClient;
      const connection = await pool.acquireConnection();
      try {
        return (await connection.query({ name, text, values: values as unknown[] })).rows;
      } finally {
        await pool.releaseConnection(connection);
      }
    },
    // The ORM closes its pool.
    close: async () => undefined,
  };
}
