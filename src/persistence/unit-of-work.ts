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
//
// A hot-path statement (`preparedRows`) whose values are all plain parameters — no list spliced
// into `in (…)`, which only MikroORM's formatting expands — runs, outside a transaction, as a
// prepared statement on the pipelined connections of src/persistence/plain-sql.ts: MikroORM's
// formatting and knex's query runner cost more CPU than the round trip, and Postgres parses and
// plans it once per connection instead of per call. It commits on its own, as any statement run
// outside a transaction does here; inside one it joins the transaction like any other.
import type { QueryResult } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { announceChange, type CachedTable } from "./change-feed.js";
import type { PlainSql } from "./plain-sql.js";
import type { SqlFragment } from "./sql-fragment.js";

/** The prepared statements' runner of each database, by its ORM connection (one per process and database). */
const preparedRunners = new WeakMap<object, PlainSql>();

/** Lets units of work on `em`'s database run hot-path statements as prepared ones on `sql` (database.ts). */
export function runPreparedStatementsOn(em: EntityManager, sql: PlainSql): void {
  preparedRunners.set(em.getConnection(), sql);
}

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

/**
 * A request's EntityManager, forked on first use (src/rpc/interceptors/database.ts): a unit of work
 * whose statements all run prepared outside a transaction never forks one.
 */
export interface EntityManagerOnDemand {
  /** The fork, made now if it was not yet. */
  get(): EntityManager;
  /** The fork if it was made. */
  peek(): EntityManager | undefined;
  /** The EntityManager it forks from (its connection is the fork's). */
  readonly root: EntityManager;
}

/** A change announced inside a transaction, announced again once the transaction has committed. */
type Announced = readonly [CachedTable, string];

export class UnitOfWork {
  constructor(
    /** Its EntityManager, or how to fork it on first use. */
    private readonly source: EntityManager | EntityManagerOnDemand,
    /** Inside `transactional`: the changes to announce again after the commit. */
    private readonly announcedInTransaction?: Announced[],
  ) {}

  /** For the repositories' ORM work; domain code never reaches it. */
  get em(): EntityManager {
    return "peek" in this.source ? this.source.get() : this.source;
  }

  /** The rows a statement returns, typed by the repository that wrote the statement. */
  async rows<Row>(statement: SqlFragment): Promise<Row[]> {
    return (await this.connection().execute(textOf(statement), [...statement.values], "all", this.em.getTransactionContext())) as Row[];
  }

  /** The first row a statement returns, if any. */
  async first<Row>(statement: SqlFragment): Promise<Row | undefined> {
    return (await this.rows<Row>(statement))[0];
  }

  /**
   * The rows of a hot-path statement, prepared and pipelined outside a transaction (see above).
   * Its values must be plain parameters: no array spliced into `in (…)`, and a value whose type
   * Postgres cannot infer from where it stands (a bare `select ${x}`) cast in the text.
   */
  async preparedRows<Row>(statement: SqlFragment): Promise<Row[]> {
    // Without a fork yet there is no transaction either: no need to make one to know.
    const em = "peek" in this.source ? (this.source.peek() ?? this.source.root) : this.source;
    const prepared = em.getTransactionContext() === undefined ? preparedRunners.get(em.getConnection()) : undefined;
    return prepared ? prepared.rows<Row>(statement) : this.rows<Row>(statement);
  }

  /** The first row of a hot-path statement (preparedRows), if any. */
  async preparedFirst<Row>(statement: SqlFragment): Promise<Row | undefined> {
    return (await this.preparedRows<Row>(statement))[0];
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

  /**
   * Runs `work` in one transaction: everything it writes commits together, or nothing does. Inside
   * another transaction it runs in a savepoint of it: its failure undoes its own writes only, and
   * they commit with the outer transaction.
   *
   * Begun, committed and rolled back on the connection by hand rather than by `em.transactional`:
   * that one runs `work` inside an AsyncLocalStorage (MikroORM's TransactionContext), and on Node 20
   * the first AsyncLocalStorage.run turns on async_hooks' promise hooks for the whole process for
   * good — every promise of every request then pays a hook (docs/performance.md, "Promise hooks
   * off"). Nothing here needs that storage: `work` gets its own EntityManager, whose transaction
   * context every statement of the repositories names explicitly (see the header). For the same
   * reason the repositories write with statements, never with the ORM's flush (its UnitOfWork.commit
   * runs inside an AsyncLocalStorage too), so there is nothing to flush before the commit.
   */
  async transactional<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    const em = this.em;
    const outer = em.getTransactionContext();
    const connection = em.getConnection("write");
    const trx = await connection.begin(outer === undefined ? {} : { ctx: outer });
    // The transaction's own EntityManager: reads inside it see its writes and the identity map of
    // the unit of work it belongs to, and it leaves `em` outside the transaction when it ends.
    const fork = em.fork({ clear: false });
    fork.setTransactionContext(trx);
    const announced: Announced[] = [];
    let result: T;
    try {
      result = await work(new UnitOfWork(fork, announced));
      await connection.commit(trx);
    } catch (error) {
      // As MikroORM's Connection.transactional does (a failed commit is rolled back too).
      await connection.rollback(trx);
      throw error;
    }
    for (const [table, tenantId] of announced) this.announce(table, tenantId);
    return result;
  }

  /**
   * Tells this instance's caches that a tenant's cached rows were written (change-feed.ts), after
   * the write returned. Inside a transaction it is told again once the transaction committed: a
   * cache that reloaded in between read the rows as they were before the commit.
   */
  announce(table: CachedTable, tenantId: string): void {
    announceChange(this.em.getMetadata(), table, tenantId);
    this.announcedInTransaction?.push([table, tenantId]);
  }

  /** Whether this unit of work is inside a transaction. */
  get inTransaction(): boolean {
    return this.em.getTransactionContext() !== undefined;
  }

  private connection() {
    return this.em.getConnection();
  }
}
