// The bytes a pipelined connection sends (src/persistence/statement-messages.ts) must be exactly
// pg-protocol's for the same statement, as node-pg would send it: Parse and Describe of the
// statement the first time, then Bind (values through node-pg's prepareValue), Execute, Sync.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serialize } from "pg-protocol";
import pgUtils from "pg/lib/utils.js";
import { StatementMessages } from "../../src/persistence/statement-messages.js";

/** pg-protocol's bytes for one statement, as node-pg's Client would make them. */
function expected(name: string, text: string | undefined, values: readonly unknown[]): Buffer {
  const messages: Buffer[] = [];
  if (text !== undefined) messages.push(serialize.parse({ name, text, types: [] }), serialize.describe({ type: "S", name }));
  messages.push(
    serialize.bind({ statement: name, values: values.map((value) => pgUtils.prepareValue(value)) }),
    serialize.execute({ portal: "", rows: 0 }),
    serialize.sync(),
  );
  return Buffer.concat(messages);
}

const circular: Record<string, unknown> = {};
circular.self = circular;

/** Every kind of value a statement may carry. */
const VALUES: readonly (readonly unknown[])[] = [
  [],
  ["plain", "", "ünïcødé ✓ 名前 🔐 \u{1F600}", "quote ' and \" and \\ backslash", "nul\u0000inside"],
  // Short texts are copied in JavaScript while they are ASCII: one that turns out not to be (late
  // or at its very end), the last ASCII code unit, and texts either side of the length limit.
  ["ascii until the end: ü", "203.0.113.7 \u007f", "é", "a🔐", "x".repeat(64), "y".repeat(65), `${"z".repeat(63)}ü`, "\u0080"],
  [null, undefined, "between", null],
  [0, -1, 42, 2 ** 31, 2 ** 53 + 2, 1.5, -0.000001, Number.NaN, Number.POSITIVE_INFINITY, 12345678901234567890n],
  [true, false],
  [Buffer.alloc(0), Buffer.from([0, 1, 127, 128, 254, 255]), new Uint8Array([9, 8, 7]), Buffer.from("bytes ✓")],
  [[], ["a", "b,c", 'd"e', "f\\g", "", "ü 🔐"], [1, 2, 300], [null, "x", undefined, 7], [[1, 2], [3]], [true, false]],
  // Arrays are written element by element: long and non-ASCII elements, many of them, numbers' texts.
  [
    ["x".repeat(100), "ü".repeat(30), 'a\\b"c', "", null],
    Array.from({ length: 300 }, (_, i) => `id-${i}-✓`),
    [1.5, -0, 1e21, Number.NaN, -7],
  ],
  [new Date("2026-12-06T16:00:00.123Z"), [new Date(0)]],
  [{ a: [1, "b"], c: null }, { toPostgres: () => "from toPostgres" }, { toPostgres: () => Buffer.from([1, 2]) }],
  ["x".repeat(70_000), "é".repeat(40_000), Buffer.alloc(100_000, 7)],
];

describe("a pipelined connection's messages", () => {
  it("are pg-protocol's for a statement's first run (with its Parse and Describe) and its later runs, every kind of value", () => {
    for (const [i, values] of VALUES.entries()) {
      const text = `select ${values.map((_, n) => `$${n + 1}`).join(", ")} -- ✓ ${i}`;
      for (const first of [true, false]) {
        const messages = new StatementMessages();
        messages.statement(`plain_sql_${i}`, first ? text : undefined, values);
        assert.deepEqual(messages.take(), expected(`plain_sql_${i}`, first ? text : undefined, values), `values ${i}, first ${first}`);
      }
    }
  });

  it("follow one another across arenas, and never write over bytes already taken", () => {
    const messages = new StatementMessages();
    const taken: Buffer[] = [];
    const copies: Buffer[] = [];
    let all = Buffer.alloc(0);
    for (let round = 0; round < 40; round++) {
      for (const [i, values] of VALUES.entries()) {
        const text = round % 7 === 0 ? `select ${values.map((_, n) => `$${n + 1}`).join(",")}` : undefined;
        messages.statement(`s${i}`, text, values);
        all = Buffer.concat([all, expected(`s${i}`, text, values)]);
      }
      if (round % 3 === 0) {
        const chunk = messages.take();
        taken.push(chunk);
        copies.push(Buffer.from(chunk));
      }
    }
    taken.push(messages.take());
    copies.push(Buffer.from(taken.at(-1) as Buffer));
    assert.deepEqual(taken, copies, "a taken chunk keeps its bytes");
    assert.ok(Buffer.concat(taken).equals(all));
    assert.equal(messages.take().length, 0);
  });

  it("write nothing of a statement with a value node-pg cannot send, and go on after it", () => {
    const messages = new StatementMessages();
    messages.statement("a", "select $1", ["before"]);
    assert.throws(() => messages.statement("b", "select $1, $2, $3", ["x".repeat(100_000), null, circular]), /circular/i);
    assert.throws(() => messages.statement("c", undefined, [[circular]]), /circular/i);
    messages.statement("a", undefined, ["after"]);
    assert.deepEqual(messages.take(), Buffer.concat([expected("a", "select $1", ["before"]), expected("a", undefined, ["after"])]));
  });
});
