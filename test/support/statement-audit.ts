// Every statement the process sends to Postgres, and the rule they must keep (issue 15,
// docs/architecture.md "The data path"): a statement on a tenant-owned table names `tenant_id`.
// Statements are seen where every layer ends: pg.Client#query (MikroORM and knex, and plain-sql.ts
// on the pool) and PipelinedConnection#run (plain-sql.ts's pipelined statements), as the
// database receives them.
//
// The exceptions, each by design and short:
// - a statement that says `/* cross-tenant: <why> */` in its text: resolving an API key, a logout
//   cookie's tenant, the caller's own user, an API key's owner, housekeeping, rekey
//   (src/persistence/repositories/*lookup*, expired-rows.ts, sealed-values.ts);
// - the ORM's change-set writes by primary key (`update "t" set … where "id" = ?`, quoted as
//   MikroORM writes them) of an entity read through the tenant filter or a repository that named
//   the tenant: the read named it, and the write cannot reach another row.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { HEARTBEAT_STATEMENT_TEXT } from "../../src/persistence/database.js";
import { PipelinedConnection } from "../../src/persistence/pipelined-connection.js";
import type { Statement } from "../../src/persistence/plain-sql.js";

const MIGRATIONS = join(import.meta.dirname, "..", "..", "src", "persistence", "migrations");

/** The tables whose rows belong to a tenant: those the migrations create with a `tenant_id` column. */
export const TENANT_OWNED_TABLES: readonly string[] = [
  ...new Set(
    readdirSync(MIGRATIONS)
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) => [...readFileSync(join(MIGRATIONS, name), "utf8").matchAll(/create table "(\w+)" \(([^;]*?)\);/g)])
      .filter((match) => (match[2] as string).includes('"tenant_id"'))
      .map((match) => match[1] as string),
  ),
];

const TABLE_REFERENCE = new RegExp(`\\b(?:from|join|update|into)\\s+"?(${TENANT_OWNED_TABLES.join("|")})"?(?:\\s|$|\\()`, "gi");
/** `tenant_id = …`, `tenant_id in (…)` or `… = x.tenant_id`: a condition on the tenant, not just the column in a select list. */
const TENANT_CONDITION = /\btenant_id"?\s*(?:=|in\s*\()|=\s*(?:"?\w+"?\.)?"?tenant_id\b/;
/** An insert that writes the tenant column. */
const TENANT_COLUMN_OF_INSERT = /^(?:with .*?)?insert into "?\w+"?(?: as \w+)? \([^)]*\btenant_id\b/s;
const CROSS_TENANT = /\/\*\s*cross-tenant: [^*]+\*\//;
const ORM_WRITE_BY_PRIMARY_KEY =
  /^(?:update "\w+" set .* where "(?:id|hash|jti)" = \?|delete from "\w+" where "(?:id|hash|jti)" in \([?, ]+\))$/s;

export function normalized(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A statement's text with its values (MikroORM inlines them; node-pg's are `$n`) as `?`. */
export function shapeOf(text: string): string {
  return normalized(text)
    .replace(/E?'(?:[^']|'')*'/g, "?")
    .replace(/\$\d+/g, "?");
}

/** The tenant-owned tables a statement reads or writes. */
export function tenantTablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(TABLE_REFERENCE)].map((match) => (match[1] as string).toLowerCase()))];
}

/** Why a statement breaks the rule, or undefined when it keeps it. */
export function untenanted(text: string): string | undefined {
  const statement = shapeOf(text);
  const tables = tenantTablesOf(statement);
  if (tables.length === 0 || TENANT_CONDITION.test(statement) || TENANT_COLUMN_OF_INSERT.test(statement)) return undefined;
  if (CROSS_TENANT.test(statement) || ORM_WRITE_BY_PRIMARY_KEY.test(statement)) return undefined;
  return `names no tenant_id (on ${tables.join(", ")})`;
}

export interface StatementLog {
  /** The statements sent since the log was started, whitespace-normalized. */
  readonly statements: string[];
  stop(): void;
}

/**
 * Records every statement the process sends from now until `stop`, except the change feed's
 * heartbeat: a timer's, not a request's, it would land in any window by chance.
 */
export function recordStatements(): StatementLog {
  const statements: string[] = [];
  const record = (text: string) => {
    if (text !== HEARTBEAT_STATEMENT_TEXT) statements.push(normalized(text));
  };
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text === "string") record(text);
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  const run = PipelinedConnection.prototype.run;
  PipelinedConnection.prototype.run = function (this: PipelinedConnection, statement: Statement) {
    record(statement.text);
    return run.call(this, statement);
  };
  return {
    statements,
    stop() {
      pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
      PipelinedConnection.prototype.run = run;
    },
  };
}
