// Length rules count Unicode code points (as pydantic does), and the validator counts them only
// when a string's UTF-16 length leaves the answer open: these compare its violations with the
// code-point count itself for strings of every length around the bounds, made of ASCII, surrogate
// pairs and lone surrogates; and check that the violations' paths still name the field, also
// inside nested messages and lists.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OriginSchema, WidgetSchema } from "../../../gen/svault/testing/v1/transcoding_service_pb.js";
import { DEFAULT_MAX_LEN, validateMessage } from "../../../src/validation/field-rules.js";

const PIECES = ["a", "😀", "\ud83d", "\ude00"];

/** Strings of `units` UTF-16 units built from a seeded mix of the pieces. */
function stringsOf(units: number): string[] {
  const out: string[] = [];
  for (let seed = 0; seed < 6; seed++) {
    let text = "";
    for (let i = 0; text.length < units; i++) {
      const piece = PIECES[(seed * 7 + i * (seed + 1)) % PIECES.length] as string;
      text += text.length + piece.length > units ? "a" : piece;
    }
    out.push(text);
  }
  return out;
}

const codePoints = (text: string) => [...text].length;
const typesOf = (violations: { type: string }[]) => violations.map((v) => v.type);

describe("length rules by code points", () => {
  it("min_len 2 and max_len 2 (Origin.country): too short, too long, or neither, as the count says", () => {
    for (let units = 0; units <= 6; units++) {
      for (const country of stringsOf(units)) {
        const count = codePoints(country);
        const expected = count < 2 ? ["string_too_short"] : count > 2 ? ["string_too_long"] : [];
        assert.deepEqual(typesOf(validateMessage(OriginSchema, create(OriginSchema, { country }))), expected, JSON.stringify(country));
      }
    }
  });

  it("the default bound of fields without max_len, around DEFAULT_MAX_LEN units", () => {
    for (const units of [
      DEFAULT_MAX_LEN - 1,
      DEFAULT_MAX_LEN,
      DEFAULT_MAX_LEN + 1,
      DEFAULT_MAX_LEN + 2,
      2 * DEFAULT_MAX_LEN,
      2 * DEFAULT_MAX_LEN + 1,
    ]) {
      for (const city of stringsOf(units)) {
        const expected = codePoints(city) > DEFAULT_MAX_LEN ? ["string_too_long"] : [];
        assert.deepEqual(typesOf(validateMessage(OriginSchema, create(OriginSchema, { country: "fr", city }))), expected, `${units} units`);
      }
    }
  });

  it("names the field in nested messages and list items", () => {
    const widget = create(WidgetSchema, {
      name: "toolongname",
      tags: ["a", "b", "c", "d\u0000"],
      origin: { country: "f" },
    });
    assert.deepEqual(
      validateMessage(WidgetSchema, widget).map((v) => [v.path, v.type]),
      [
        [["name"], "string_too_long"],
        [["tags"], "too_long"],
        [["tags", 3], "string_nul_character"],
        [["origin", "country"], "string_too_short"],
      ],
    );
  });
});
