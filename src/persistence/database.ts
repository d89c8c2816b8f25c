// Opens the database the configuration names — an external Postgres (DATABASE_URL) or the
// embedded one under DATA_DIR — and brings its schema up to date with the committed migrations.
import { FlushMode, MikroORM, type Options, type PoolConfig, PostgreSqlDriver } from "@mikro-orm/postgresql";
import type pg from "pg";
import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import type { DatabaseConnection } from "./database-url.js";
import { ChangeFeed, type Notify } from "./change-feed.js";
import type { EmbeddedPostgres } from "./embedded-postgres.js";
import { entities } from "./entities.js";
import { missingMigrations } from "./migration-state.js";
import { PlainSql, poolRunner, type StatementRunner } from "./plain-sql.js";
import { StatementPipelines } from "./statement-pipelines.js";
import { tracedRunner } from "./traced-runner.js";
import { runPreparedStatementsOn } from "./unit-of-work.js";

const tracedIf = (tracing: boolean, runner: StatementRunner) => (tracing ? tracedRunner(runner) : runner);

export interface Database {
  readonly orm: MikroORM;
  /** The hot paths' plain statements (plain-sql.ts). */
  readonly sql: PlainSql;
  /** Changes of the cached rows, this instance's and (with DATABASE_URL) every instance's (change-feed.ts). */
  readonly changes: ChangeFeed;
  /** True when the database answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** The connections now: the ORM's pool and the pipelines (metrics). */
  state(): DatabaseState;
  close(): Promise<void>;
}

export interface DatabaseState {
  /** The ORM's pool: connections lent out, idle, and requests waiting for one. */
  readonly poolUsed: number;
  readonly poolFree: number;
  readonly poolPending: number;
  /** Pipelined connections open, and the statements they carry (0 and 0 without pipelines). */
  readonly pipelineConnections: number;
  readonly pipelineInFlight: number;
}

/** What the ORM's pool (knex's tarn pool) tells about itself. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

const APPLICATION_NAME = "svault";

/**
 * How long the service waits for the database (DATABASE_CONNECT_TIMEOUT_MS,
 * DATABASE_STATEMENT_TIMEOUT_MS), so that a database that is down, unreachable or frozen fails a
 * request within a bound (503, error-boundary.ts) instead of holding it.
 */
export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a free one of the pool. */
  readonly connectMs: number;
  /** Postgres's statement_timeout on DATABASE_URL. */
  readonly statementMs: number;
}

/**
 * How much longer than statement_timeout the service waits for an answer before it gives up on
 * the connection: a slow statement gets Postgres's own cancel (and the connection stays), only a
 * database that does not answer at all (frozen, or cut off without a reset) loses it.
 */
const ANSWER_GRACE_MS = 1_000;

export function answerTimeoutMs(timeouts: DatabaseTimeouts): number {
  return timeouts.statementMs + ANSWER_GRACE_MS;
}

/** An external Postgres (DATABASE_URL, parsed) or the embedded one. */
type Target = { connection: DatabaseConnection; poolMax: number } | EmbeddedPostgres;

/** The ORM's options; without `timeouts` (tooling) knex's defaults apply and statements are not bounded. */
export function ormOptions(target: Target, logger: Logger, timeouts?: DatabaseTimeouts): Options {
  // Host, port and credentials as separate options, never `clientUrl`: MikroORM parses that
  // itself and ignores its query parameters (socket directory, sslmode); see database-url.ts.
  const server =
    "connection" in target
      ? {
          host: target.connection.host,
          port: target.connection.port,
          // "": node-pg's default user (PGUSER, else the OS user). Undefined would make MikroORM
          // fill in `postgres` from its default client URL.
          user: target.connection.user ?? "",
          password: target.connection.password,
          dbName: target.connection.database,
          ssl: target.connection.tls,
        }
      : // The embedded database is a Unix socket, where there is no TLS.
        { host: target.host, port: target.port, user: target.user, dbName: target.dbName, ssl: false as const };
  const { ssl, ...connection } = server;
  return {
    driver: PostgreSqlDriver,
    ...connection,
    entities,
    // The migrator's settings; the migrator itself, and the migrations' classes, are loaded only
    // when one is pending (migrate, below; migrations/migrator.ts).
    migrations: { tableName: "schema_migrations", transactional: true, allOrNothing: true },
    discovery: { warnWhenNoEntities: false },
    pool: "connection" in target ? externalPool(target.poolMax) : embeddedPool(target),
    // knex options: fail fast instead of queueing for a minute when the database is gone.
    // `connection` is merged into the settings knex hands to `new pg.Client()` unchanged (knex's
    // postgres dialect does not interpret `ssl`), so `ssl` is node-pg's own option: false or
    // `tls.connect` options; undefined leaves it to node-pg's default.
    driverOptions: {
      connection: {
        application_name: APPLICATION_NAME,
        ssl,
        ...(timeouts ? { connectionTimeoutMillis: timeouts.connectMs } : {}),
        // The embedded database runs in this process: it cannot be cut off or freeze apart from it.
        ...(timeouts && "connection" in target ? statementBounds(timeouts) : {}),
      },
      ...(timeouts ? { acquireConnectionTimeout: timeouts.connectMs } : {}),
      // knex's own messages (a pooled connection found dead and replaced, …) into the log, not the console.
      log: {
        warn: (message: string) => logger.warn({ knex: message }, "database pool"),
        error: (message: string) => logger.error({ knex: message }, "database pool"),
      },
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    // Writes are statements (entity-rows.ts, the repositories), never the ORM's flush, which runs
    // inside an AsyncLocalStorage (unit-of-work.ts, `transactional`). A query must not flush
    // either: an entity changed in memory is written by its repository, so "auto" would only
    // turn a forgotten write into an ALS run.
    flushMode: FlushMode.COMMIT,
    logger: (message) => logger.debug({ orm: message }, "orm"),
  };
}

/** statement_timeout for Postgres, and node-pg's own wait for an answer (query_timeout) a little longer. */
function statementBounds(timeouts: DatabaseTimeouts): Pick<pg.ClientConfig, "statement_timeout" | "query_timeout"> {
  return { statement_timeout: timeouts.statementMs, query_timeout: answerTimeoutMs(timeouts) };
}

/**
 * A pool of connections to DATABASE_URL. A connection whose statement got no answer in time
 * (query_timeout) still waits for that answer, and every later statement on it would queue
 * behind: the pool replaces it instead of handing it out again.
 */
function externalPool(max: number): PoolConfig {
  // knex hands `validate` to its pool (tarn), which MikroORM's PoolConfig does not list.
  const pool: PoolConfig & { validate(connection: { readonly readyForQuery: boolean }): boolean } = {
    min: 0,
    max,
    validate: (connection) => connection.readyForQuery,
  };
  return pool;
}

/**
 * The embedded database's pool: its one connection, kept while idle (a reconnect buys nothing on
 * a socket into this process), and a session as new as on a real Postgres whenever the pool does
 * connect again (after a connection error).
 */
function embeddedPool(embedded: EmbeddedPostgres): PoolConfig {
  return {
    min: embedded.maxConnections,
    max: embedded.maxConnections,
    afterCreate(connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) {
      connection.query(embedded.newSessionStatement).then(
        () => done(null, connection),
        (error: Error) => done(error, connection),
      );
    },
  };
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const external = config.databaseConnection;
  // PGlite is loaded only when it is used (its modules are several MiB of the process's memory).
  const embedded = external ? undefined : await (await import("./embedded-postgres.js")).startEmbeddedPostgres(config.dataDir, logger);
  const target: Target = embedded ?? { connection: external as DatabaseConnection, poolMax: config.databasePoolMax };
  const timeouts = { connectMs: config.databaseConnectTimeoutMs, statementMs: config.databaseStatementTimeoutMs };
  try {
    const orm = await MikroORM.init(ormOptions(target, logger, timeouts));
    // The embedded database has a single connection, which the ORM's pool holds.
    // Pipelined statements never pass node-pg's query, where the pg instrumentation makes its spans.
    const pipelines =
      "connection" in target && config.databasePipelines > 0
        ? new StatementPipelines(clientConfigOf(target.connection, timeouts), config.databasePipelines, answerTimeoutMs(timeouts), logger)
        : undefined;
    const runner = pipelines ? tracedIf(config.tracing, pipelines) : poolRunner(orm);
    if ("connection" in target) await warnIfAutovacuumIsOff(orm, logger);
    const changes = new ChangeFeed(orm.em.getMetadata());
    // The heartbeat goes untraced: a span twice a second would bury the requests' own.
    if ("connection" in target)
      await changes.listen(clientConfigOf(target.connection, timeouts), heartbeatThrough(pipelines ?? runner), logger);
    else changes.soleWriter();
    return databaseOf(orm, runner, changes, embedded);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * The hot statements are prepared once per connection, and Postgres keeps a prepared statement's
 * generic plan until the statistics of its tables change — which, in a server with autovacuum
 * off, happens only when someone runs ANALYZE. A plan made while a table was small then outlives
 * the table's growth (a refresh token looked up through a tenant-wide scan: docs/operations.md,
 * "Table statistics"). Operators get told once, at start-up.
 */
async function warnIfAutovacuumIsOff(orm: MikroORM, logger: Logger): Promise<void> {
  const [row] = await orm.em.getConnection().execute<{ autovacuum: string }[]>("select current_setting('autovacuum') as autovacuum");
  if (row?.autovacuum === "off")
    logger.warn(
      'autovacuum is off on this Postgres server: run ANALYZE on the service\'s database regularly, or its prepared statements keep plans made for tables much smaller than they have grown (docs/operations.md, "Table statistics")',
    );
}

/**
 * The change feed's heartbeat statement. Its comment tells it apart from the statements requests
 * send: a timer sends it twice a second, so whoever counts a request's statements (the tests'
 * statement audit, bench:auth) leaves it out.
 */
export const HEARTBEAT_STATEMENT_TEXT = "select /* change feed heartbeat */ pg_notify($1, $2)";

/** The change feed's heartbeat (change-feed.ts), sent the way the service's own statements go. */
function heartbeatThrough(runner: StatementRunner): Notify {
  return (channel, payload) => runner.run({ name: "change_feed_heartbeat", text: HEARTBEAT_STATEMENT_TEXT, values: [channel, payload] });
}

/** node-pg settings for a connection of our own, the same as those of the ORM's pool. */
function clientConfigOf(connection: DatabaseConnection, timeouts: DatabaseTimeouts): pg.ClientConfig {
  return {
    host: connection.host,
    port: connection.port,
    user: connection.user ?? "",
    password: connection.password,
    database: connection.database,
    ssl: connection.tls,
    application_name: APPLICATION_NAME,
    // As the pool's acquireConnectionTimeout: fail fast when the database is gone.
    connectionTimeoutMillis: timeouts.connectMs,
    // A statement waits for those before it on its connection: none may hold the line for long.
    // (The wait for answers is the pipeline's own: pipelined-connection.ts.)
    statement_timeout: timeouts.statementMs,
  };
}

export function databaseOf(orm: MikroORM, runner: StatementRunner, changes: ChangeFeed, embedded?: EmbeddedPostgres): Database {
  const sql = new PlainSql(runner);
  // The repositories' hot-path statements run on it too (unit-of-work.ts, preparedRows).
  runPreparedStatementsOn(orm.em, sql);
  return {
    orm,
    sql,
    changes,
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const query = orm.em
        .getConnection()
        .execute("select 1")
        .then(() => true)
        .catch(() => false);
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    state() {
      const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
      const pipelines = runner.state?.() ?? { connections: 0, inFlight: 0 };
      return {
        poolUsed: pool?.numUsed() ?? 0,
        poolFree: pool?.numFree() ?? 0,
        poolPending: pool?.numPendingAcquires() ?? 0,
        pipelineConnections: pipelines.connections,
        pipelineInFlight: pipelines.inFlight,
      };
    },
    async close() {
      await changes.close();
      await runner.close();
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/**
 * Applies pending migrations; returns the names applied. Whether one is pending is decided from
 * the migrations' names (migration-state.ts), so that a start on a current schema — every start
 * but the first of a version — never loads the migration library and classes (≈ 4 MiB of the
 * resident memory for the process's lifetime, docs/performance.md, "Memory: the migration library
 * on demand"). A migration may run longer than any request's statement may (an index built on a
 * big table), so the migrations run on connections without the statement bounds, and the pool then
 * connects anew with them.
 */
export async function migrate(orm: MikroORM, logger: Logger): Promise<string[]> {
  const started = Date.now();
  // Any doubt (the check failed: the table locked by a migration in progress elsewhere, say) goes
  // to the migrator, which waits without the bounds as it always did.
  const pending = await missingMigrations(orm).catch(() => undefined);
  if (pending?.length === 0) {
    logger.info({ applied: 0, migrations: [], ms: Date.now() - started }, "database schema up to date");
    return [];
  }
  const { migratorOf } = await import("./migrations/migrator.js");
  const bounded = orm.config.get("driverOptions") as { connection?: pg.ClientConfig };
  const { statement_timeout, query_timeout, ...unbounded } = bounded.connection ?? {};
  const hasBounds = statement_timeout !== undefined || query_timeout !== undefined;
  if (hasBounds) await orm.reconnect({ driverOptions: { ...bounded, connection: unbounded } });
  const migrator = migratorOf(orm);
  const progress = ({ name }: { name: string }) => logger.info({ migration: name }, "applying a migration");
  migrator.on("migrating", progress);
  try {
    const applied = await migrator.up();
    const names = applied.map((m) => m.name);
    const ms = Date.now() - started;
    logger.info({ applied: names.length, migrations: names, ms }, names.length > 0 ? "database migrated" : "database schema up to date");
    return names;
  } finally {
    migrator.off("migrating", progress);
    if (hasBounds) await orm.reconnect({ driverOptions: bounded });
  }
}
