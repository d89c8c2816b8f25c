// Whether the database carries every migration this version of the code needs: readiness
// (ops/readiness.ts) says no while one is missing, for instance an instance of a newer version
// started against a database that an older instance still holds the startup lock of.
import type { MikroORM } from "@mikro-orm/postgresql";
import { migrations } from "./migrations/index.js";

/** The names of this version's migrations the database has not applied. */
export async function missingMigrations(orm: MikroORM): Promise<string[]> {
  // schema_migrations is the migrator's own table (database.ts); its names carry no extension.
  const rows: { name: string }[] = await orm.em.getConnection().execute("select name from schema_migrations");
  const applied = new Set(rows.map((row) => row.name.replace(/\.[jt]s$/, "")));
  return migrations.map((migration) => migration.name).filter((name) => !applied.has(name));
}
