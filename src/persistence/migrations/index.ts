// The ordered list of migrations (explicit, so that they load the same under tsx, in tests and in
// a bundled build). `npm run migration:create` writes a new file; add it here.
import type { MigrationObject } from "@mikro-orm/core";

export const migrations: MigrationObject[] = [];
