// One request's database work: its EntityManager (identity map and change set) and, inside
// `transactional`, its transaction. Repositories (./repositories/) run their statements through
// it, so a statement always joins the transaction of the work it belongs to: MikroORM's
// Connection.execute joins one only when handed the context explicitly — without it a statement
// runs on another pooled connection, committed even if the transaction rolls back, and waits for
// ever on the embedded database, whose pool has a single connection.
//
// Statements are `sql` fragments (sql-fragment.ts): values never become part of the text the
// caller wrote (MikroORM's platform escapes them into the statement it sends), and fragments
// compose. This is the one place where rows are given their TypeScript type: each repository
// declares the row type next to the statement that produces it.
import type { QueryResult } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { announceChange, type CachedTable } from "./change-feed.js";
import type { SqlFragment } from "./sql-fragment.js";

/**
 * Statement texts by fragment shape (sql-fragment.ts): a shape names one text, so a statement run
 * again does not rebuild its text. Shapes come from call sites, so the map stays small.
 */
const textByShape = new Map<string, string>();

function textOf(statement: SqlFragment): string {
  if (statement.shape === undefined) return statement.text;
  let text = textByShape.get(statement.shape);
  if (text === undefined) {
    text = statement.text;
    textByShape.set(statement.shape, text);
  }
  return text;
}

export class UnitOfWork {
  constructor(
    /** For the repositories' ORM work; domain code never reaches it. */
    readonly em: EntityManager,
  ) {}

  /** The rows a statement returns, typed by the repository that wrote the statement. */
  async rows<Row>(statement: SqlFragment): Promise<Row[]> {
    return (await this.connection().execute(textOf(statement), [...statement.values], "all", this.em.getTransactionContext())) as Row[];
  }

  /** The first row a statement returns, if any. */
  async first<Row>(statement: SqlFragment): Promise<Row | undefined> {
    return (await this.rows<Row>(statement))[0];
  }

  /** Runs a statement for its effect; returns the number of rows it changed. */
  async execute(statement: SqlFragment): Promise<number> {
    const result = await this.connection().execute<QueryResult>(
      textOf(statement),
      [...statement.values],
      "run",
      this.em.getTransactionContext(),
    );
    return result.affectedRows;
  }

  /** Writes the ORM's pending changes. */
  flush(): Promise<void> {
    return this.em.flush();
  }

  /**
   * Runs `work` in one transaction (joining the current one, if any): everything it writes commits
   * together, or nothing does. The ORM's pending changes are flushed before the commit.
   */
  transactional<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    return this.em.transactional((em) => work(new UnitOfWork(em)));
  }

  /**
   * Tells this instance's caches that a tenant's cached rows were written (change-feed.ts), after
   * the write returned. Inside a transaction the caches hear of it again at the commit, through
   * the database's notification, or drop it within their short bound on the embedded database.
   */
  announce(table: CachedTable, tenantId: string): void {
    announceChange(this.em.getMetadata(), table, tenantId);
  }

  /** Whether this unit of work is inside a transaction. */
  get inTransaction(): boolean {
    return this.em.getTransactionContext() !== undefined;
  }

  private connection() {
    return this.em.getConnection();
  }
}
