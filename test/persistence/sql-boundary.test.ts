// SQL lives in the persistence layer only (docs/architecture.md, "The data path"): no module
// outside src/persistence imports the statement runners or SQL builders, and no string or
// template literal there reads like SQL. Literals are found with the TypeScript parser, so
// comments that talk about statements are not flagged.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..", "..");
const SRC = join(ROOT, "src");

/** Modules that carry SQL text or run it: only persistence may use them. */
const SQL_MODULES =
  /(^|\/)persistence\/(execute-sql|sql-fragment|plain-sql|statement-pipelines|pipelined-connection)\.js$|^knex$|^@mikro-orm\/knex$|^pg$/;

/** The tables the migrations create: a statement names one after from/join/into/update. */
const TABLES = readdirSync(join(SRC, "persistence", "migrations"))
  .filter((name) => name.endsWith(".ts"))
  .flatMap((name) => [...readFileSync(join(SRC, "persistence", "migrations", name), "utf8").matchAll(/create table "(\w+)"/g)])
  .map((match) => match[1] as string);

/**
 * A literal that reads like a statement: one that starts like a statement (this code base writes
 * SQL in lower case, user-facing text starts with a capital), or names a known table after a
 * clause that names tables.
 */
const SQL_TEXT = new RegExp(
  `^\\s*(select|insert into|update|delete from)\\s|^\\s*with\\s+\\w+\\s+as\\s*\\(|\\b(from|join|update|delete from|insert into)\\s+"?(${[...new Set(TABLES)].join("|")})\\b`,
);

/** Ways to reach the database's connection around the repositories. */
const RAW_CONNECTION = new Set(["getConnection", "getKnex"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

function findingsOf(path: string): Finding[] {
  const file = relative(ROOT, path);
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (SQL_MODULES.test(node.moduleSpecifier.text))
        findings.push({ file, line: lineOf(node), what: `imports ${node.moduleSpecifier.text}` });
      return;
    }
    if (ts.isPropertyAccessExpression(node) && RAW_CONNECTION.has(node.name.text)) {
      findings.push({ file, line: lineOf(node), what: `reaches the connection (.${node.name.text})` });
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (SQL_TEXT.test(node.text)) findings.push({ file, line: lineOf(node), what: `SQL text "${node.text.slice(0, 60)}…"` });
    } else if (ts.isTemplateExpression(node)) {
      const text = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(" ");
      if (SQL_TEXT.test(text)) findings.push({ file, line: lineOf(node), what: `SQL text \`${text.slice(0, 60)}…\`` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

describe("SQL stays in the persistence layer", () => {
  const outside = sourceFiles(SRC).filter((path) => !relative(SRC, path).startsWith("persistence/"));

  it("no module outside src/persistence runs or writes SQL", () => {
    const findings = outside.flatMap(findingsOf);
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line} ${f.what}`),
      [],
      "move these statements into a repository (src/persistence/repositories)",
    );
  });

  it("recognizes statements and runner imports (the check itself)", () => {
    assert.match("select id from app_user where tenant_id = ?", SQL_TEXT);
    assert.match("delete from login_nonce where hash = ?", SQL_TEXT);
    assert.match("update refresh_token set rotated_at = now()", SQL_TEXT);
    assert.match("insert into rate_limit (tenant_id) values ($1)", SQL_TEXT);
    assert.match("../../persistence/execute-sql.js", SQL_MODULES);
    assert.doesNotMatch("Select a tenant from the list", SQL_TEXT);
    assert.doesNotMatch("The user is signed in from another client", SQL_TEXT);
    assert.doesNotMatch("records an import into tenant acme", SQL_TEXT);
    assert.match("delete from ", SQL_TEXT, "the head of a template that names its table by a value");
    assert.match("with lifted as (delete", SQL_TEXT);
    assert.doesNotMatch("with --api-key (visible to others)", SQL_TEXT);
    assert.ok(TABLES.includes("app_user") && TABLES.includes("tenant"), "tables read from the migrations");
    assert.doesNotMatch("../../persistence/repositories/tenant-repositories.js", SQL_MODULES);
  });
});
