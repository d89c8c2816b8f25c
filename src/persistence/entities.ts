// Every entity the ORM knows. Tenant-owned entities use the scoping of tenant-scope.ts.
import type { EntitySchema } from "@mikro-orm/core";

export const entities: EntitySchema[] = [];
