// The REST gateway reads a JSON body with JSON.parse alone when the text cannot hold a key that
// Fastify's default parser (secure-json-parse, both prototype poisonings an error) refuses, and
// leaves every other text to that parser: whatever it reads alone must be what that parser reads.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fastify from "fastify";
import { parsedWithoutPoisonSuspects } from "../../../src/transcoding/rest-gateway.js";

const defaultParser = fastify().getDefaultJsonParser("error", "error");

/** What Fastify's default parser makes of `text`: the value, or its error's code. */
function byDefaultParser(text: string): { value?: unknown; error?: string } {
  let outcome: { value?: unknown; error?: string } = {};
  defaultParser({} as never, text, (error, value) => {
    outcome = error ? { error: (error as { code?: string }).code ?? String(error) } : { value };
  });
  return outcome;
}

const TEXTS = [
  '{"username":"ann","cipherKey":"login:abc"}',
  '{"a":{"b":[1,2,{"c":null}]},"d":"é😀"}',
  "[1,2]",
  '"just a string"',
  "42",
  "null",
  '{"__proto__":{"x":1}}',
  '{"a":{"__proto__":{"x":1}}}',
  '{"\\u005f\\u005fproto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"constructor":1}',
  '{"a":"constructor"}',
  '{"a":"\\u00e9"}',
  '\ufeff{"a":1}',
  "{oops",
  '{"a":1',
  "",
];

describe("JSON bodies without poison suspects", () => {
  it("reads a text alone only when the default parser reads the same value from it", () => {
    let alone = 0;
    for (const text of TEXTS) {
      const value = parsedWithoutPoisonSuspects(text);
      if (typeof value === "symbol") continue;
      alone++;
      assert.deepEqual(byDefaultParser(text), { value }, text);
    }
    assert.ok(alone >= 6, `${alone} texts read alone`);
  });

  it("leaves every text with a suspect word, an escape, a byte-order mark or bad JSON to the default parser", () => {
    for (const text of TEXTS.slice(6)) assert.equal(typeof parsedWithoutPoisonSuspects(text), "symbol", text);
    // Among those, the default parser refuses the poisoned ones.
    for (const text of TEXTS.slice(6, 10)) assert.equal(byDefaultParser(text).error, "FST_ERR_CTP_INVALID_JSON_BODY", text);
  });
});
