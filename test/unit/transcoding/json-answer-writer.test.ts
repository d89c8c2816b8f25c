// The REST answer writer (src/transcoding/json-answer-writer.ts) must write exactly the text the
// general path writes, `JSON.stringify(restJson(…))`, for every answer type of every service it
// takes, in both unset-optional styles, for empty messages and for messages with every field set
// (escapes, non-BMP characters, negative numbers, unknown enum numbers, nested messages, lists,
// set and unset `optional` fields); and it must hand anything it cannot write to the general path.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { create, type DescField, type DescMessage, type DescService, type Message, ScalarType } from "@bufbuild/protobuf";
import { GetChallengeResponseSchema } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import { jsonAnswerWriter, jsonString } from "../../../src/transcoding/json-answer-writer.js";
import { restJson } from "../../../src/transcoding/response-encoder.js";
import type { UnsetOptional } from "../../../src/transcoding/unset-optional.js";

const genRoot = new URL("../../../gen/svault/", import.meta.url);
const services: DescService[] = [];
for (const area of readdirSync(genRoot)) {
  for (const file of readdirSync(new URL(`${area}/v1/`, genRoot)).filter((f) => f.endsWith("_service_pb.ts"))) {
    const module = (await import(new URL(`${area}/v1/${file}`, genRoot).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if ((value as { kind?: string }).kind === "service") services.push(value as DescService);
    }
  }
}

/** Every message type the services answer with, and every message type inside those. */
function answerTypes(): DescMessage[] {
  const seen = new Set<DescMessage>();
  const visit = (type: DescMessage) => {
    if (seen.has(type) || type.typeName.startsWith("google.protobuf.")) return;
    seen.add(type);
    for (const field of type.fields) if (field.message) visit(field.message);
  };
  for (const service of services) for (const method of service.methods) visit(method.output);
  return [...seen];
}

const STRING = 'a"b\\c\n\u2028é😀\u0001</script>';

/** A value for every field the writer can take (others stay unset: their types fall back anyway). */
function filled(type: DescMessage, depth = 0): Message {
  const init: Record<string, unknown> = {};
  for (const field of type.fields) {
    if (field.oneof !== undefined) continue;
    const value = sampleOf(field, depth);
    if (value === undefined) continue;
    init[field.localName] = field.fieldKind === "list" ? [value, value] : value;
  }
  return create(type, init);
}

function sampleOf(field: DescField, depth: number): unknown {
  if (field.fieldKind === "map") return undefined;
  if (field.message)
    return depth < 3 && !field.message.typeName.startsWith("google.protobuf.") ? filled(field.message, depth + 1) : undefined;
  if (field.enum) return (field.enum.values.at(-1)?.number ?? 0) + (depth === 1 ? 1000 : 0); // an unknown number one level down
  switch (field.scalar) {
    case ScalarType.STRING:
      return STRING;
    case ScalarType.BOOL:
      return true;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return -2147483648;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return 4294967295;
    default:
      return undefined;
  }
}

const STYLES: UnsetOptional[] = ["null", "omit"];

describe("the REST answer writer", () => {
  const types = answerTypes();

  it("writes what JSON.stringify(restJson(…)) writes, for every answer type it takes", () => {
    let written = 0;
    for (const type of types) {
      for (const style of STYLES) {
        const write = jsonAnswerWriter(type, style);
        if (!write) continue;
        for (const message of [create(type), filled(type)]) {
          const text = write(message);
          assert.equal(text, JSON.stringify(restJson(type, message, style)), `${type.typeName} (${style})`);
          written++;
        }
      }
    }
    // Not a test that passes by writing nothing: most answer types are plain.
    assert.ok(written > types.length, `${written} answers written for ${types.length} types`);
  });

  it("takes the login's answers and leaves the types with other fields to the general path", () => {
    assert.ok(jsonAnswerWriter(GetChallengeResponseSchema, "null"));
    const taken = types.filter((type) => jsonAnswerWriter(type, "null") !== undefined);
    const left = types.filter((type) => jsonAnswerWriter(type, "null") === undefined);
    assert.ok(taken.length > 0 && left.length > 0);
    for (const type of left) {
      const plain = (field: DescField) =>
        field.oneof === undefined &&
        field.fieldKind !== "map" &&
        (field.message === undefined ||
          (!field.message.typeName.startsWith("google.protobuf.") && jsonAnswerWriter(field.message, "null"))) &&
        (field.scalar === undefined ||
          [
            ScalarType.STRING,
            ScalarType.BOOL,
            ScalarType.INT32,
            ScalarType.SINT32,
            ScalarType.SFIXED32,
            ScalarType.UINT32,
            ScalarType.FIXED32,
          ].includes(field.scalar));
      assert.ok(!type.fields.every(plain), `${type.typeName} has only plain fields but no writer`);
    }
  });

  it("hands a value of the wrong type, or a message of another type, to the general path", () => {
    const write = jsonAnswerWriter(GetChallengeResponseSchema, "null");
    assert.ok(write);
    const wrong = create(GetChallengeResponseSchema, { challengeData: "x" });
    (wrong as unknown as Record<string, unknown>).challengeData = 5;
    assert.equal(write(wrong), undefined);
    assert.throws(() => restJson(GetChallengeResponseSchema, wrong));
    const other = create(types.find((type) => type !== GetChallengeResponseSchema) as DescMessage);
    assert.equal(write(other), undefined);
  });
});

describe("jsonString", () => {
  it("is JSON.stringify for every UTF-16 code unit, alone and inside text, and for surrogate pairs", () => {
    for (let unit = 0; unit <= 0xffff; unit++) {
      const char = String.fromCharCode(unit);
      for (const text of [char, `base64url-${char}-text`]) assert.equal(jsonString(text), JSON.stringify(text), `U+${unit.toString(16)}`);
    }
    for (const text of ["", "😀", "a😀b", "\ud83d", "\ude00x", "x".repeat(5000)]) assert.equal(jsonString(text), JSON.stringify(text));
  });
});
