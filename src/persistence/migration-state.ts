// Whether the database carries every migration this version of the code needs, from the
// migrations' names alone (migrations/names.ts), without loading the migration library: start-up
// (database.ts, `migrate`) loads it only when one is missing, and readiness (ops/readiness.ts)
// says no while one is, for instance an instance of a newer version started against a database
// that an older instance still holds the startup lock of.
import type { MikroORM } from "@mikro-orm/postgresql";
import { migrationNames } from "./migrations/names.js";

/**
 * schema_migrations is the migrator's own table (database.ts, ormOptions); the migrator names it
 * in the default schema, and writes the names without an extension.
 */
const MIGRATIONS_TABLE = "public.schema_migrations";

/** The names of this version's migrations the database has not applied (all of them when it has no migrations table yet). */
export async function missingMigrations(orm: MikroORM): Promise<string[]> {
  const connection = orm.em.getConnection();
  const [table] = await connection.execute<{ present: boolean }[]>(`select to_regclass('${MIGRATIONS_TABLE}') is not null as present`);
  const rows: { name: string }[] = table?.present ? await connection.execute(`select name from ${MIGRATIONS_TABLE}`) : [];
  const applied = new Set(rows.map((row) => row.name.replace(/\.[jt]s$/, "")));
  return migrationNames.filter((name) => !applied.has(name));
}
