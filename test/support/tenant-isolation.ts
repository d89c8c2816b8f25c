// The isolation harness of issue 15: `untouched(tenant, work)` runs `work` and asserts that every
// row of every tenant-owned table (a table with a tenant_id column) of `tenant` is as it was.
// Repository tests run each method for tenant A against tenant B's data inside it, next to a
// positive control on A's own data, so that a method that lost its tenant predicate fails.
import assert from "node:assert/strict";
import type { MikroORM } from "@mikro-orm/postgresql";
import { TENANT_OWNED_TABLES } from "./statement-audit.js";

export type TenantDump = Record<string, string[]>;

/** Every row of every tenant-owned table of `tenantId`, as sorted JSON texts. */
export async function dumpOf(orm: MikroORM, tenantId: string): Promise<TenantDump> {
  const dump: TenantDump = {};
  for (const table of TENANT_OWNED_TABLES) {
    const rows = (await orm.em.getConnection().execute(`select to_jsonb(t) as row from "${table}" t where tenant_id = ?`, [tenantId])) as {
      row: unknown;
    }[];
    dump[table] = rows.map((r) => JSON.stringify(r.row)).sort();
  }
  return dump;
}

/** Runs `work` and asserts that none of `tenantId`'s rows changed; returns what `work` returned. */
export async function untouched<T>(orm: MikroORM, tenantId: string, work: () => Promise<T>): Promise<T> {
  const before = await dumpOf(orm, tenantId);
  const result = await work();
  assert.deepEqual(await dumpOf(orm, tenantId), before, `tenant ${tenantId}'s rows changed`);
  return result;
}
