// The migration library (@mikro-orm/migrations, with umzug and its command-line libraries) and the
// migrations' classes, loaded only where they are used: database.ts imports this module when a
// migration is pending, and tools that walk the migrations (tests, scripts) import it themselves.
// The ORM's options (database.ts, ormOptions) carry the migrator's settings but not the extension.
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { migrations } from "./index.js";

/** The ORM's migrator, over the migrations of index.ts; registered on the first call. */
export function migratorOf(orm: MikroORM): Migrator {
  const options = orm.config.get("migrations");
  if (options.migrationsList !== migrations) {
    orm.config.set("migrations", { ...options, migrationsList: migrations });
    Migrator.register(orm);
  }
  return orm.getMigrator() as Migrator;
}
