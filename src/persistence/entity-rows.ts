// The row an entity's values make, written with a statement instead of the ORM's flush. MikroORM's
// flush (UnitOfWork.commit) runs inside an AsyncLocalStorage, and on Node 20 the first
// AsyncLocalStorage.run turns on promise hooks for the whole process for good (unit-of-work.ts,
// `transactional`); so the repositories' rarely written entities (tenants, clients, API keys,
// tenant keys) are inserted and updated here, from the entity's own definition, as the flush
// wrote them: the same columns, NULL for a null JSON value (not the JSON `null`), the database's
// default for a value left undefined, and the definition's `onCreate` / `onUpdate` values
// (created_at, updated_at) computed by its own hooks.
//
// The column names come from the entity's metadata, never from a caller: only values are
// parameters. Hot-path writes keep their own fixed statements (their text is built once).
import { type EntityMetadata, type EntityProperty, type EntitySchema, ReferenceKind, type RequiredEntityData } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { SqlFragment, sql } from "./sql-fragment.js";
import type { UnitOfWork } from "./unit-of-work.js";

// biome-ignore lint/suspicious/noExplicitAny: any entity definition (defineEntity) of ours.
type AnyEntitySchema = EntitySchema<any, any>;

/** The metadata MikroORM discovered for an entity definition. */
function metadataOf(em: EntityManager, entity: AnyEntitySchema): EntityMetadata {
  return em.getMetadata().get(entity.meta.className);
}

/** A stored property: a column of the table itself (scalars and the foreign keys of to-one relations). */
function isColumn(prop: EntityProperty): boolean {
  return prop.persist !== false && (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE);
}

/** A quoted identifier; the names come from metadata (see above). */
function quotedName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The statement value of a property's value, as the flush converts it. */
function statementValue(prop: EntityProperty, value: unknown): unknown {
  const columnType = prop.columnTypes?.[0];
  if (columnType === "jsonb" || columnType === "json") {
    // JsonType: a null value is the SQL NULL; any other value its JSON text.
    return value === null ? null : sql`${JSON.stringify(value)}::jsonb`;
  }
  return value;
}

/** `parts[0] value[0] parts[1] … value[n-1] parts[n]`, as one fragment (values stay parameters). */
function fragment(parts: string[], values: unknown[]): SqlFragment {
  return new SqlFragment(parts, values);
}

/**
 * Inserts the row of `data` (the entity's property names and values) and answers it as the entity,
 * read back (`returning *`) so that the database's defaults are in it.
 */
export async function insertEntity<T extends object>(
  uow: UnitOfWork,
  entity: EntitySchema<T, never>,
  data: RequiredEntityData<T>,
): Promise<T> {
  const em = uow.em;
  const meta = metadataOf(em, entity as AnyEntitySchema);
  const values = { ...data } as Record<string, unknown>;
  const columns: string[] = [];
  const args: unknown[] = [];
  for (const prop of meta.props) {
    if (!isColumn(prop)) continue;
    if (values[prop.name] === undefined && prop.onCreate) values[prop.name] = prop.onCreate(values, em);
    if (values[prop.name] === undefined) continue;
    columns.push(quotedName(prop.fieldNames[0] as string));
    args.push(statementValue(prop, values[prop.name]));
  }
  const parts = [`insert into ${quotedName(meta.tableName)} (${columns.join(", ")}) values (`];
  for (let i = 1; i < args.length; i++) parts.push(", ");
  parts.push(") returning *");
  const row = await uow.first<Record<string, unknown>>(fragment(parts, args));
  return em.map(entity, row as never) as T;
}

/**
 * Writes `changes` (property names and values) to the entity's row that `keys` (property names and
 * values, e.g. its tenant and id) select, and sets them on `target`, its object in memory. As with
 * the flush, a row that already holds these values is left alone, its `onUpdate` columns
 * (updated_at) too. Answers whether the row changed.
 */
export async function updateEntity<T extends object>(
  uow: UnitOfWork,
  entity: EntitySchema<T, never>,
  target: T,
  keys: Partial<T>,
  changes: Partial<T>,
): Promise<boolean> {
  const em = uow.em;
  const meta = metadataOf(em, entity as AnyEntitySchema);
  const props = new Map(meta.props.filter(isColumn).map((prop) => [prop.name, prop]));
  const column = (name: string) => {
    const prop = props.get(name);
    if (prop === undefined) throw new Error(`${meta.className} has no column property ${name}`);
    return prop;
  };
  const changed = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (changed.length === 0) return false;
  const stamped: [string, unknown][] = [];
  for (const prop of props.values()) {
    if (prop.onUpdate && !(prop.name in changes)) stamped.push([prop.name, prop.onUpdate(target, em)]);
  }

  // update t set c1 = v1, …, <stamps> where k1 = w1 and … and (c1, …) is distinct from (v1, …)
  const parts: string[] = [];
  const args: unknown[] = [];
  let text = `update ${quotedName(meta.tableName)} set `;
  for (const [i, [name, value]] of [...changed, ...stamped].entries()) {
    const prop = column(name);
    parts.push(`${text}${i === 0 ? "" : ", "}${quotedName(prop.fieldNames[0] as string)} = `);
    args.push(statementValue(prop, value));
    text = "";
  }
  for (const [i, [name, value]] of Object.entries(keys).entries()) {
    parts.push(`${i === 0 ? " where " : " and "}${quotedName(column(name).fieldNames[0] as string)} = `);
    args.push(value);
  }
  const names = changed.map(([name]) => quotedName(column(name).fieldNames[0] as string));
  parts.push(` and (${names.join(", ")}) is distinct from (`);
  for (const [i, [name, value]] of changed.entries()) {
    args.push(statementValue(column(name), value));
    if (i > 0) parts.push(", ");
  }
  parts.push(")");
  const wrote = (await uow.execute(fragment(parts, args))) > 0;
  Object.assign(target, Object.fromEntries(changed), wrote ? Object.fromEntries(stamped) : {});
  return wrote;
}
