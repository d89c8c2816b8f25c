// Opens the database the configuration names — an external Postgres (DATABASE_URL) or the
// embedded one under DATA_DIR — and brings its schema up to date with the committed migrations.
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM, PostgreSqlDriver, type Options } from "@mikro-orm/postgresql";
import type pg from "pg";
import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import type { DatabaseConnection } from "./database-url.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { entities } from "./entities.js";
import { migrations } from "./migrations/index.js";
import { PlainSql, poolRunner, type StatementRunner } from "./plain-sql.js";
import { StatementPipelines } from "./statement-pipelines.js";

export interface Database {
  readonly orm: MikroORM;
  /** The hot paths' plain statements (plain-sql.ts). */
  readonly sql: PlainSql;
  /** True when the database answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

const APPLICATION_NAME = "svault";
const CONNECT_TIMEOUT_MS = 5_000;
/** The login's statements take milliseconds; ten seconds means something is wrong. */
const PIPELINED_STATEMENT_TIMEOUT_MS = 10_000;

/** An external Postgres (DATABASE_URL, parsed) or the embedded one. */
type Target = { connection: DatabaseConnection; poolMax: number } | EmbeddedPostgres;

export function ormOptions(target: Target, logger: Logger): Options {
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
    extensions: [Migrator],
    migrations: { migrationsList: migrations, tableName: "schema_migrations", transactional: true, allOrNothing: true },
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: "connection" in target ? target.poolMax : target.maxConnections },
    // knex options: fail fast instead of queueing for a minute when the database is gone.
    // `connection` is merged into the settings knex hands to `new pg.Client()` unchanged (knex's
    // postgres dialect does not interpret `ssl`), so `ssl` is node-pg's own option: false or
    // `tls.connect` options; undefined leaves it to node-pg's default.
    driverOptions: { connection: { application_name: APPLICATION_NAME, ssl }, acquireConnectionTimeout: CONNECT_TIMEOUT_MS },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    logger: (message) => logger.debug({ orm: message }, "orm"),
  };
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const external = config.databaseConnection;
  const embedded = external ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
  const target: Target = embedded ?? { connection: external as DatabaseConnection, poolMax: config.databasePoolMax };
  try {
    const orm = await MikroORM.init(ormOptions(target, logger));
    // The embedded database has a single connection, which the ORM's pool holds.
    const runner =
      "connection" in target && config.databasePipelines > 0
        ? new StatementPipelines(clientConfigOf(target.connection), config.databasePipelines, logger)
        : poolRunner(orm);
    return databaseOf(orm, runner, embedded);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** node-pg settings for a connection of our own, the same as those of the ORM's pool. */
function clientConfigOf(connection: DatabaseConnection): pg.ClientConfig {
  return {
    host: connection.host,
    port: connection.port,
    user: connection.user ?? "",
    password: connection.password,
    database: connection.database,
    ssl: connection.tls,
    application_name: APPLICATION_NAME,
    // As the pool's acquireConnectionTimeout: fail fast when the database is gone.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A statement waits for those before it on its connection: none may hold the line for long.
    statement_timeout: PIPELINED_STATEMENT_TIMEOUT_MS,
  };
}

export function databaseOf(orm: MikroORM, runner: StatementRunner, embedded?: EmbeddedPostgres): Database {
  return {
    orm,
    sql: new PlainSql(runner),
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
    async close() {
      await runner.close();
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM, logger: Logger): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  const names = applied.map((m) => m.name);
  logger.info({ applied: names.length, migrations: names }, names.length > 0 ? "database migrated" : "database schema up to date");
  return names;
}
