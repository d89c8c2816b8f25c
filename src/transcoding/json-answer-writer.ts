// Writes a REST answer's JSON text straight from the message, for the message types whose fields
// are all plain (strings, booleans, 32-bit integers, enums, messages of ours and lists of these):
// the same text as `JSON.stringify(restJson(…))` (response-encoder.ts) — same keys, same order,
// same `null`s for unset `optional` fields — without building the intermediate JSON object that
// `toJson` makes and `JSON.stringify` walks again, which cost more per answer than writing the
// text. A type with any other field (64-bit integers, floats, bytes, maps, oneofs, the
// google.protobuf types with a JSON form of their own) gets no writer, and a value of an
// unexpected type makes the writer answer `undefined`: the caller then takes the general path,
// which also raises the errors `toJson` raises.
import { type DescEnum, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { isProto3Optional, reachesOptionalField, type UnsetOptional } from "./unset-optional.js";

/** The JSON text of a message, or undefined when a value is not of its field's type. */
export type JsonAnswerWriter = (message: Message) => string | undefined;

type Fields = Record<string, unknown>;
/** A member's text (`"name":value`), "" for a field left out, undefined for a value not handled. */
type MemberWriter = (message: Fields) => string | undefined;
/** A value's text, or undefined for a value not of the expected type. */
type ValueWriter = (value: unknown) => string | undefined;

const compiled: Record<UnsetOptional, WeakMap<DescMessage, JsonAnswerWriter | null>> = { null: new WeakMap(), omit: new WeakMap() };

/** The writer of `schema`'s answers (compiled once per type and style), or undefined for a type it does not handle. */
export function jsonAnswerWriter(schema: DescMessage, unsetOptional: UnsetOptional): JsonAnswerWriter | undefined {
  const known = compiled[unsetOptional].get(schema);
  if (known !== undefined) return known ?? undefined;
  return compileMessage(schema, unsetOptional);
}

function compileMessage(schema: DescMessage, unsetOptional: UnsetOptional): JsonAnswerWriter | undefined {
  const cache = compiled[unsetOptional];
  // Registered before the fields are compiled, so that recursive types terminate; should the type
  // turn out unsupported, the types compiled meanwhile that refer to it answer undefined through it.
  let write: JsonAnswerWriter | undefined;
  cache.set(schema, (message) => write?.(message));
  // restJson's order: `toJson` writes fields by number; withUnsetOptionalsAsNull rewrites a type
  // that reaches an `optional` field in declaration order.
  const fields =
    unsetOptional === "null" && reachesOptionalField(schema) ? schema.fields : [...schema.fields].sort((a, b) => a.number - b.number);
  const members: MemberWriter[] = [];
  for (const field of fields) {
    const member = compileMember(field, unsetOptional);
    if (member === undefined) {
      cache.set(schema, null);
      return undefined;
    }
    members.push(member);
  }
  const typeName = schema.typeName;
  write = (message) => {
    // A message of another type is an error toJson reports.
    if (message.$typeName !== typeName) return undefined;
    let text = "";
    for (const member of members) {
      const written = member(message as unknown as Fields);
      if (written === undefined) return undefined;
      if (written !== "") text = text === "" ? written : `${text},${written}`;
    }
    return `{${text}}`;
  };
  cache.set(schema, write);
  return write;
}

function compileMember(field: DescField, unsetOptional: UnsetOptional): MemberWriter | undefined {
  if (field.oneof !== undefined) return undefined;
  const key = `${JSON.stringify(field.name)}:`;
  const local = field.localName;
  if (field.fieldKind === "list") {
    const item =
      field.listKind === "message"
        ? messageValue(field.message, unsetOptional)
        : field.listKind === "enum"
          ? enumValue(field.enum)
          : scalarValue(field.scalar);
    if (item === undefined) return undefined;
    // alwaysEmitImplicit: an empty list is written as `[]`.
    return (message) => {
      const items = message[local];
      if (!Array.isArray(items)) return undefined;
      let text = "";
      for (let i = 0; i < items.length; i++) {
        const written = item(items[i]);
        if (written === undefined) return undefined;
        text = i === 0 ? written : `${text},${written}`;
      }
      return `${key}[${text}]`;
    };
  }
  if (field.fieldKind === "map") return undefined;
  const value =
    field.fieldKind === "message"
      ? messageValue(field.message, unsetOptional)
      : field.fieldKind === "enum"
        ? enumValue(field.enum)
        : scalarValue(field.scalar);
  if (value === undefined) return undefined;
  if (field.presence === FeatureSet_FieldPresence.IMPLICIT) {
    // alwaysEmitImplicit: written even when it holds the zero value.
    return (message) => {
      const written = value(message[local]);
      return written === undefined ? undefined : key + written;
    };
  }
  if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) return undefined;
  // Explicit presence (messages, `optional`): toJson writes it when set (an own property);
  // restJson then adds `null` for an unset proto3 `optional` field in the "null" style.
  const unset = unsetOptional === "null" && isProto3Optional(field) ? `${key}null` : "";
  return (message) => {
    const current = message[local];
    if (current === undefined || !Object.hasOwn(message, local)) return unset;
    const written = value(current);
    return written === undefined ? undefined : key + written;
  };
}

function scalarValue(scalar: ScalarType): ValueWriter | undefined {
  switch (scalar) {
    case ScalarType.STRING:
      return (value) => (typeof value === "string" ? jsonString(value) : undefined);
    case ScalarType.BOOL:
      return (value) => (value === true ? "true" : value === false ? "false" : undefined);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return integerValue;
    default:
      // 64-bit integers (strings in JSON), floats (NaN, Infinity), bytes (base64).
      return undefined;
  }
}

/** The characters JSON.stringify escapes (`"`, `\\`, controls, lone surrogates), and any surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are among those JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(value)`: quoted as it is when nothing in it needs an escape, as in the login's
 * base64url challenge. JSON.stringify examines each character in turn, which for an answer's long
 * values (a 600-character challenge) cost twice what this scan does (callgrind: ≈ 19,000 against
 * 11,000 instructions per 600 characters, copying the result included).
 */
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

const integerValue: ValueWriter = (value) => (typeof value === "number" && Number.isFinite(value) ? String(value) : undefined);

/** A value's name, or its number when the type does not know it (as toJson writes it). */
function enumValue(type: DescEnum): ValueWriter | undefined {
  if (type.typeName === "google.protobuf.NullValue") return undefined;
  const names = new Map(type.values.map((v) => [v.number, JSON.stringify(v.jsonName)]));
  return (value) => (typeof value === "number" && Number.isFinite(value) ? (names.get(value) ?? String(value)) : undefined);
}

function messageValue(type: DescMessage | undefined, unsetOptional: UnsetOptional): ValueWriter | undefined {
  if (type === undefined || type.typeName.startsWith("google.protobuf.")) return undefined;
  const write = jsonAnswerWriter(type, unsetOptional);
  if (write === undefined) return undefined;
  return (value) => (typeof value === "object" && value !== null ? write(value as Message) : undefined);
}
