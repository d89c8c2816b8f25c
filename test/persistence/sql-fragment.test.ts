import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SqlFragment, sql } from "../../src/persistence/sql-fragment.js";

const byId = (id: string) => sql`select name from t where id = ${id}`;
const where = (column: "a" | "b", value: number) => (column === "a" ? sql`a = ${value}` : sql`b > ${value}`);
const outer = (id: string, column: "a" | "b", value: number, withLimit: boolean) =>
  sql`with x as (${byId(id)}) select * from x where ${where(column, value)}${withLimit ? sql` limit ${1}` : sql``}`;

describe("sql fragments", () => {
  it("keep values apart from the text and number them in order, nested fragments included", () => {
    const statement = outer("u1", "b", 7, true);
    assert.equal(statement.numberedText, "with x as (select name from t where id = $1) select * from x where b > $2 limit $3");
    assert.equal(statement.text, "with x as (select name from t where id = ?) select * from x where b > ? limit ?");
    assert.deepEqual(statement.values, ["u1", 7, 1]);
  });

  it("have one shape per text: the same statement with other values shares it, another composition does not", () => {
    const built: SqlFragment[] = [];
    for (const column of ["a", "b"] as const)
      for (const withLimit of [true, false]) for (const id of ["x", "y"]) built.push(outer(id, column, id.length, withLimit));
    for (const one of built)
      for (const other of built) {
        assert.ok(one.shape !== undefined);
        assert.equal(one.shape === other.shape, one.numberedText === other.numberedText, `${one.numberedText} / ${other.numberedText}`);
      }
    assert.equal(new Set(built.map((s) => s.shape)).size, 4);
  });

  it("have no shape when called with strings that are not a template (nothing to cache them by)", () => {
    const handMade = Object.assign(["select ", ""], { raw: ["select ", ""] }) as unknown as TemplateStringsArray;
    assert.equal(sql(handMade, 1).shape, undefined);
    assert.equal(sql`select * from (${sql(handMade, 1)}) s`.shape, undefined);
  });
});
