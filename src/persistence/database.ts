// Opens the database the configuration names — an external Postgres (DATABASE_URL) or the
// embedded one under DATA_DIR — and brings its schema up to date with the committed migrations.
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM, PostgreSqlDriver, type Options } from "@mikro-orm/postgresql";
import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { entities } from "./entities.js";
import { migrations } from "./migrations/index.js";

export interface Database {
  readonly orm: MikroORM;
  /** True when the database answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

type Target = { clientUrl: string; poolMax: number } | EmbeddedPostgres;

export function ormOptions(target: Target, logger: Logger): Options {
  const connection =
    "clientUrl" in target
      ? { clientUrl: target.clientUrl }
      : { host: target.host, port: target.port, user: target.user, dbName: target.dbName };
  return {
    driver: PostgreSqlDriver,
    ...connection,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList: migrations, tableName: "schema_migrations", transactional: true, allOrNothing: true },
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: "clientUrl" in target ? target.poolMax : target.maxConnections },
    // knex options: fail fast instead of queueing for a minute when the database is gone.
    driverOptions: { connection: { application_name: "svault" }, acquireConnectionTimeout: 5_000 },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    logger: (message) => logger.debug({ orm: message }, "orm"),
  };
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
  const target: Target = embedded ?? { clientUrl: config.databaseUrl as string, poolMax: config.databasePoolMax };
  try {
    const orm = await MikroORM.init(ormOptions(target, logger));
    return databaseOf(orm, embedded);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

export function databaseOf(orm: MikroORM, embedded?: EmbeddedPostgres): Database {
  return {
    orm,
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
