// SCIM filters (RFC 7644 §3.4.2.2) as SQL. The domain parses a filter and resolves its attribute
// names against the resource's schema (src/domain/scim/scim-filter.ts); this module turns the
// resolved tree into a `where` fragment over the columns a repository names for each attribute.
// Every value is a parameter; attribute names never reach the text (a JSON key is a parameter
// too). Comparisons of attributes that are not caseExact compare `lower()` of both sides.
import { type SqlFragment, sql } from "../sql-fragment.js";

export type CompareOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterValue = string | number | boolean | null;

/**
 * A filter whose attributes are canonical paths of the resource's schema (`userName`,
 * `name.givenName`, `urn:…:enterprise:2.0:User:department`). Inside `some`, attributes are the
 * sub-attributes of one element of the multi-valued attribute (`value`, `type`).
 */
export type ResourceFilter =
  | { readonly op: "and" | "or"; readonly left: ResourceFilter; readonly right: ResourceFilter }
  | { readonly op: "not"; readonly filter: ResourceFilter }
  | { readonly op: "pr"; readonly attribute: string }
  | { readonly op: CompareOperator; readonly attribute: string; readonly value: FilterValue; readonly caseExact: boolean }
  | { readonly op: "some"; readonly attribute: string; readonly filter: ResourceFilter };

/** How one single-valued attribute is stored. */
export interface ScalarColumn {
  readonly expr: SqlFragment;
  readonly kind: "text" | "boolean" | "timestamp" | "uuid";
}

/** How a multi-valued attribute is stored: its elements, and their sub-attributes. */
export interface MultiValuedColumn {
  /** `exists (…)`: some element satisfies `condition`. */
  exists(condition: SqlFragment): SqlFragment;
  element(subAttribute: string): ScalarColumn | undefined;
}

/** Where a repository keeps each attribute of its resource. */
export interface FilterColumns {
  scalar(attribute: string): ScalarColumn | undefined;
  multiValued(attribute: string): MultiValuedColumn | undefined;
}

/** A filter this storage cannot evaluate (the domain answers it as `invalidFilter`). */
export class UnsupportedFilter extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `like` pattern text with the pattern characters escaped (`escape '\'`). */
function likeEscaped(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function filterSql(filter: ResourceFilter, columns: FilterColumns): SqlFragment {
  switch (filter.op) {
    case "and":
      return sql`(${filterSql(filter.left, columns)} and ${filterSql(filter.right, columns)})`;
    case "or":
      return sql`(${filterSql(filter.left, columns)} or ${filterSql(filter.right, columns)})`;
    case "not":
      // A missing attribute makes a comparison unknown (null); `not` of it matches.
      return sql`(${filterSql(filter.filter, columns)}) is not true`;
    case "some": {
      const multi = columns.multiValued(filter.attribute);
      if (!multi) throw new UnsupportedFilter(`${filter.attribute} is not multi-valued`);
      return multi.exists(filterSql(filter.filter, elementColumns(multi)));
    }
    case "pr":
      return present(scalarOf(columns, filter.attribute));
    default: {
      const column = columns.scalar(filter.attribute);
      if (column) return comparison(column, filter.op, filter.value, filter.caseExact);
      // `emails eq "x"`: a multi-valued attribute compared as a whole compares its elements' `value`.
      const multi = columns.multiValued(filter.attribute);
      const value = multi?.element("value");
      if (!multi || !value) throw new UnsupportedFilter(`${filter.attribute} cannot be compared`);
      return multi.exists(comparison(value, filter.op, filter.value, filter.caseExact));
    }
  }
}

/** The columns of one element: its sub-attributes; nothing nests further. */
function elementColumns(multi: MultiValuedColumn): FilterColumns {
  return { scalar: (attribute) => multi.element(attribute), multiValued: () => undefined };
}

function scalarOf(columns: FilterColumns, attribute: string): ScalarColumn {
  const column = columns.scalar(attribute);
  if (!column) throw new UnsupportedFilter(`${attribute} cannot be compared`);
  return column;
}

function present(column: ScalarColumn): SqlFragment {
  return column.kind === "text" ? sql`(${column.expr} is not null and ${column.expr} <> '')` : sql`(${column.expr} is not null)`;
}

function comparison(column: ScalarColumn, op: CompareOperator, value: FilterValue, caseExact: boolean): SqlFragment {
  if (value === null) {
    if (op === "eq") return sql`(${column.expr} is null)`;
    if (op === "ne") return sql`(${column.expr} is not null)`;
    throw new UnsupportedFilter(`${op} null`);
  }
  switch (column.kind) {
    case "boolean":
      if (typeof value !== "boolean" || (op !== "eq" && op !== "ne"))
        throw new UnsupportedFilter("a boolean takes eq or ne with true or false");
      return op === "eq" ? sql`(${column.expr} = ${value})` : sql`(${column.expr} is distinct from ${value})`;
    case "uuid": {
      if (op !== "eq" && op !== "ne") throw new UnsupportedFilter("an id takes eq or ne");
      // Not an id: it names nothing (and must not reach a uuid column, which would refuse it).
      const matches = typeof value === "string" && UUID.test(value) ? sql`(${column.expr} = ${value.toLowerCase()})` : sql`false`;
      return op === "eq" ? matches : sql`(${matches}) is not true`;
    }
    case "timestamp": {
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw new UnsupportedFilter("a date takes an RFC 3339 string");
      const at = new Date(value).toISOString();
      return ordered(column.expr, op, sql`${at}::timestamptz`);
    }
    default: {
      const text = String(value);
      const subject = caseExact ? column.expr : sql`lower(${column.expr})`;
      const operand = (v: string) => (caseExact ? sql`${v}` : sql`lower(${v})`);
      switch (op) {
        case "co":
          return sql`(${subject} like ${operand(`%${likeEscaped(text)}%`)} escape '\\')`;
        case "sw":
          return sql`(${subject} like ${operand(`${likeEscaped(text)}%`)} escape '\\')`;
        case "ew":
          return sql`(${subject} like ${operand(`%${likeEscaped(text)}`)} escape '\\')`;
        default:
          return ordered(subject, op, operand(text));
      }
    }
  }
}

function ordered(subject: SqlFragment, op: CompareOperator, operand: SqlFragment): SqlFragment {
  switch (op) {
    case "eq":
      return sql`(${subject} = ${operand})`;
    case "ne":
      return sql`(${subject} is distinct from ${operand})`;
    case "gt":
      return sql`(${subject} > ${operand})`;
    case "ge":
      return sql`(${subject} >= ${operand})`;
    case "lt":
      return sql`(${subject} < ${operand})`;
    case "le":
      return sql`(${subject} <= ${operand})`;
    default:
      throw new UnsupportedFilter(`${op} does not apply to dates`);
  }
}

/** A page of a SCIM list: ORDER BY, and the 1-based start index and count of RFC 7644 §3.4.2.4. */
export interface ScimPageQuery {
  readonly filter: ResourceFilter | undefined;
  /** A canonical attribute path; undefined: by creation. */
  readonly sortBy: string | undefined;
  readonly descending: boolean;
  /** 0-based offset. */
  readonly offset: number;
  readonly limit: number;
}

/** ORDER BY for a SCIM list: the sort attribute (by creation when none), then the id, for stable pages. */
export function orderSql(columns: FilterColumns, query: ScimPageQuery, created: SqlFragment): SqlFragment {
  const direction = query.descending ? sql`desc` : sql`asc`;
  if (query.sortBy === undefined) return sql`${created} ${direction}, id ${direction}`;
  const column = columns.scalar(query.sortBy);
  if (!column) throw new UnsupportedFilter(`cannot sort by ${query.sortBy}`);
  const key = column.kind === "text" ? sql`lower(${column.expr})` : column.expr;
  // RFC 7644 §3.4.2.3: resources without the attribute sort last ascending, first descending.
  const nulls = query.descending ? sql`nulls first` : sql`nulls last`;
  return sql`${key} ${direction} ${nulls}, id ${direction}`;
}

/**
 * A page of rows and the number of matches in all (`totalResults`). The page is read first: when
 * it is not full, and either not empty or the first, it holds every match from the offset on, so
 * the total is known without counting. Only a full page (or an empty one past the end) needs
 * `count`: the look-ups provisioning clients make (`userName eq`, `externalId eq`) are then one
 * statement, not two.
 */
export async function pageWithTotal<Row>(
  query: ScimPageQuery,
  rows: () => Promise<Row[]>,
  count: () => Promise<number>,
): Promise<{ readonly total: number; readonly rows: Row[] }> {
  if (query.limit === 0) return { total: await count(), rows: [] };
  const page = await rows();
  const complete = page.length < query.limit && (page.length > 0 || query.offset === 0);
  return { total: complete ? query.offset + page.length : await count(), rows: page };
}
