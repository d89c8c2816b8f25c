// Plain statements on the ORM's connection pool, without an EntityManager: for the hot paths that
// read and write rows as plain data. There, MikroORM's fork, hydration and query formatting and
// knex's query runner cost more than the round trip itself (docs/performance.md), so a statement
// goes straight to a pooled node-pg connection, with its values as parameters. Each distinct text
// becomes a named prepared statement on the connections that run it: Postgres parses and plans it
// once per connection instead of on every call, which halves its CPU time for a login. Rows come
// back as from `em.getConnection().execute` (the pool's connections carry MikroORM's type parsers).
//
// Not for use inside a transaction: each statement runs on its own, committed as it completes.
// These statements do not show in MikroORM's debug query log.
// There is no tenant filter here: every statement names its tenant in its own conditions. Name a
// table's columns (no `select *`, `returning *`): a prepared statement's result shape must not
// change under it when a migration adds a column.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { SqlFragment } from "./sql-fragment.js";

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/**
 * Statement text → its prepared statement's name, for the whole process (a name must mean one
 * text on every connection). Texts never contain values, so this stays small.
 */
const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `plain_sql_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

export class PlainSql {
  constructor(private readonly orm: MikroORM) {}

  async rows<T>(statement: SqlFragment): Promise<T[]> {
    const text = statement.numberedText;
    const name = nameOf(text);
    const pool = this.orm.em.getConnection().getKnex().client as KnexClient;
    const connection = await pool.acquireConnection();
    try {
      return (await connection.query({ name, text, values: statement.values as unknown[] })).rows as T[];
    } finally {
      await pool.releaseConnection(connection);
    }
  }
}
