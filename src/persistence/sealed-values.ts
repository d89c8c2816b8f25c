// Every value sealed with the KEK, across tenants (`npm run rekey`, src/cli/rekey.ts): after a KEK
// rotation each is read and written back re-sealed under the current KEK. Deliberately across
// tenants — the KEK is the installation's — so the statements say `/* cross-tenant */`.
import { templateAad } from "../biometrics/face-templates.js";
import { type SqlFragment, sql } from "./sql-fragment.js";
import type { UnitOfWork } from "./unit-of-work.js";

/** A sealed value and what its associated data is made of. */
export interface SealedValue {
  readonly value: Buffer;
  /** The associated data the value was sealed with (it binds the value to its row). */
  readonly aad: string;
  /** Writes the value back, re-sealed. */
  replace(sealed: Buffer): Promise<void>;
}

interface SealedKind {
  readonly table: string;
  readonly select: SqlFragment;
  readonly aad: (row: SealedRow) => string;
  readonly update: (row: SealedRow, sealed: Buffer) => SqlFragment;
}

interface SealedRow {
  id: string;
  tenant_id: string;
  /** Only where the associated data names the user (face templates). */
  user_id?: string;
  value: Buffer;
}

const KINDS: readonly SealedKind[] = [
  {
    table: "tenant_key",
    select: sql`select /* cross-tenant: rekey */ id, tenant_id, private_key_sealed as value from tenant_key`,
    aad: (row) => `tenant-key:${row.id}`,
    update: (row, sealed) =>
      sql`update tenant_key set private_key_sealed = ${sealed} where tenant_id = ${row.tenant_id} and id = ${row.id}`,
  },
  {
    table: "opaque_setup",
    select: sql`select /* cross-tenant: rekey */ tenant_id as id, tenant_id, setup_sealed as value from opaque_setup`,
    aad: (row) => `opaque-setup:${row.tenant_id}`,
    update: (row, sealed) => sql`update opaque_setup set setup_sealed = ${sealed} where tenant_id = ${row.tenant_id}`,
  },
  {
    table: "user_credential",
    select: sql`select /* cross-tenant: rekey */ user_id as id, tenant_id, record_sealed as value from user_credential`,
    aad: (row) => `opaque-record:${row.tenant_id}:${row.id}`,
    update: (row, sealed) =>
      sql`update user_credential set record_sealed = ${sealed} where tenant_id = ${row.tenant_id} and user_id = ${row.id}`,
  },
  {
    table: "face_template",
    select: sql`select /* cross-tenant: rekey */ id, tenant_id, user_id, sealed as value from face_template`,
    aad: (row) => templateAad(row.tenant_id, row.user_id ?? "", row.id),
    update: (row, sealed) => sql`update face_template set sealed = ${sealed} where tenant_id = ${row.tenant_id} and id = ${row.id}`,
  },
];

/** The tables that hold sealed values. */
export const SEALED_TABLES: readonly string[] = KINDS.map((kind) => kind.table);

/** The sealed values of one table, each with a way to write it back. */
export async function sealedValues(uow: UnitOfWork, table: string): Promise<SealedValue[]> {
  const kind = KINDS.find((k) => k.table === table);
  if (!kind) throw new Error(`${table} holds no sealed values`);
  const rows = await uow.rows<SealedRow>(kind.select);
  return rows.map((row) => ({
    value: row.value,
    aad: kind.aad(row),
    replace: async (sealed) => {
      await uow.execute(kind.update(row, sealed));
    },
  }));
}
