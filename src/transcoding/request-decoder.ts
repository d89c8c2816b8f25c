// Builds an RPC's request message from a REST call: path variables, query parameters and the
// body (JSON, or form fields for the OAuth endpoints), per the binding's google.api.http rule.
// Values that arrive as strings (path, query, form) are first turned into the proto3 JSON value
// their field expects, so that one parser (`fromJson`) does the rest and every type error is a
// 422 naming the field.
import {
  create,
  fromJson,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import type { FieldViolation } from "../errors/domain-error.js";
import { locationOf, resolveFieldPath, type HttpBinding } from "./binding.js";
import { readPathVariables } from "./path-template.js";

export type StringFields = Record<string, string | string[] | undefined>;

export interface RestInput {
  readonly params: Record<string, string | undefined>;
  readonly query: StringFields;
  /** Parsed JSON, or string fields when `isForm`; undefined when the request had no body. */
  readonly body: unknown;
  readonly isForm: boolean;
}

/** A decoding failure whose `loc` is already complete (`["query", "limit"]`). */
export class RestDecodeError extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super("invalid REST request");
  }
}

type JsonObject = Record<string, JsonValue>;

export function decodeRequest(binding: HttpBinding, input: RestInput): Message {
  const schema = binding.method.input;
  const violations: FieldViolation[] = [];
  let json: JsonObject = {};

  if (binding.body === "*") {
    json = bodyObject(schema, input, ["body"], violations);
  } else if (binding.body !== undefined) {
    const field = binding.body;
    if (input.body !== undefined) {
      json[field.name] = field.message ? bodyObject(field.message, input, ["body"], violations) : (input.body as JsonValue);
    }
  }

  if (binding.body !== "*") {
    const bound = boundFieldsOf(binding);
    const { query } = input;
    for (const key of Object.keys(query)) {
      const value = query[key];
      if (value === undefined || bound.has(key)) continue;
      const path = key.includes(".") ? key.split(".") : [key];
      if (path.length > 1 && bound.has(path[0])) continue;
      setStringField(schema, json, path, value, ["query", key], violations, true);
    }
  }

  for (const { fieldPath, value } of readPathVariables(binding.variables, input.params)) {
    // The path names the resource: a body naming another one is refused, not overridden.
    const fromBody = binding.body === undefined ? undefined : bodyValueAt(schema, json, fieldPath);
    if (fromBody !== undefined && fromBody !== null && fromBody !== "" && String(fromBody) !== value) {
      const loc = binding.body === "*" ? ["body", ...fieldPath] : ["body", ...fieldPath.slice(1)];
      violations.push({ path: loc, message: `Must equal the path's ${fieldPath.join(".")}`, type: "value_error" });
    }
    setStringField(schema, json, fieldPath, value, ["path", fieldPath.join(".")], violations, false);
  }

  if (violations.length > 0) throw new RestDecodeError(violations);
  // Nothing to parse (GET /health), or only strings for string fields (a path's tenant, the OAuth
  // endpoints' forms): skip the JSON reader, whose reflection costs more than the whole rest.
  const direct = fromStringFields(schema, json);
  if (direct) return direct;
  try {
    return fromJson(schema, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw new RestDecodeError([jsonViolation(binding, schema, error)]);
  }
}

const fieldsByName = new WeakMap<DescMessage, ReadonlyMap<string, DescField>>();

function fieldNamed(schema: DescMessage, name: string): DescField | undefined {
  let byName = fieldsByName.get(schema);
  if (!byName) {
    byName = new Map(schema.fields.map((field) => [field.name, field]));
    fieldsByName.set(schema, byName);
  }
  return byName.get(name);
}

/**
 * The message when every value is a string for a singular string field, or strings for a repeated
 * one, or such an object for a singular message field of ours (outside oneofs, by proto field
 * names), as `fromJson` would read it; undefined when any value needs the JSON reader. A login's
 * bodies are such objects (`{"username", "cipherKey"}` in `challenge`), and the JSON reader's
 * reflection cost more per request than the rest of the decoding.
 */
function fromStringFields(schema: DescMessage, json: JsonObject): Message | undefined {
  const init: Record<string, unknown> = {};
  for (const name in json) {
    const field = fieldNamed(schema, name);
    const value = json[name];
    if (field === undefined || field.oneof !== undefined) return undefined;
    if (field.fieldKind === "scalar" && field.scalar === ScalarType.STRING && typeof value === "string") {
      init[field.localName] = value;
    } else if (
      field.fieldKind === "message" &&
      !field.message.typeName.startsWith("google.protobuf.") &&
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value)
    ) {
      const nested = fromStringFields(field.message, value);
      if (nested === undefined) return undefined;
      init[field.localName] = nested;
    } else if (
      field.fieldKind === "list" &&
      field.listKind === "scalar" &&
      field.scalar === ScalarType.STRING &&
      Array.isArray(value) &&
      value.every((item) => typeof item === "string")
    ) {
      init[field.localName] = value;
    } else {
      return undefined;
    }
  }
  return create(schema, init);
}

const boundFields = new WeakMap<HttpBinding, ReadonlySet<string | undefined>>();

/** The fields the body and the path fill, which the query string may not set (once per binding). */
function boundFieldsOf(binding: HttpBinding): ReadonlySet<string | undefined> {
  let bound = boundFields.get(binding);
  if (bound === undefined) {
    bound = new Set([binding.body === "*" ? undefined : binding.body?.name, ...binding.variables.map((v) => v.fieldPath.join("."))]);
    boundFields.set(binding, bound);
  }
  return bound;
}

/** The value the body gave the field at `fieldPath` (under its proto or JSON name), if any. */
function bodyValueAt(schema: DescMessage, json: JsonObject, fieldPath: readonly string[]): JsonValue | undefined {
  const fields = resolveFieldPath(schema, fieldPath);
  if (!fields) return undefined;
  let value: JsonValue | undefined = json;
  for (const field of fields) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = value[field.name] ?? value[field.jsonName];
  }
  return value;
}

function bodyObject(schema: DescMessage, input: RestInput, loc: string[], violations: FieldViolation[]): JsonObject {
  if (input.body === undefined) return {};
  if (input.isForm) {
    const json: JsonObject = {};
    for (const [key, value] of Object.entries(input.body as StringFields)) {
      if (value !== undefined) setStringField(schema, json, key.split("."), value, [...loc, key], violations, true);
    }
    return json;
  }
  if (typeof input.body !== "object" || input.body === null || Array.isArray(input.body)) {
    violations.push({ path: loc, message: "Input should be a valid dictionary or object", type: "dict_type" });
    return {};
  }
  return input.body as JsonObject;
}

/** Sets `json[path]` from string value(s), converted to the JSON type of the field at `path`. */
function setStringField(
  schema: DescMessage,
  json: JsonObject,
  path: readonly string[],
  value: string | string[],
  loc: (string | number)[],
  violations: FieldViolation[],
  ignoreUnknown: boolean,
): void {
  const fields = resolveFieldPath(schema, path);
  if (!fields) {
    if (!ignoreUnknown) violations.push({ path: loc, message: "Unknown field", type: "unknown_field" });
    return;
  }
  let target = json;
  for (let i = 0; i < fields.length - 1; i++) {
    const field = fields[i] as DescField;
    if (field.fieldKind !== "message") {
      violations.push({ path: loc, message: "Cannot address a field inside a non-message field", type: "bad_path" });
      return;
    }
    const existing = target[field.name];
    const nested = typeof existing === "object" && existing !== null && !Array.isArray(existing) ? (existing as JsonObject) : {};
    target[field.name] = nested;
    target = nested;
  }
  const field = fields[fields.length - 1] as DescField;
  const converted = stringsToJson(field, value);
  if (converted instanceof Error) {
    violations.push({ path: loc, message: converted.message, type: "type_error" });
    return;
  }
  target[field.name] = converted;
}

function stringsToJson(field: DescField, value: string | string[]): JsonValue | Error {
  // One value for a singular field, the common case, without an array around it.
  if (field.fieldKind === "scalar" && typeof value === "string") return scalarToJson(field.scalar, value);
  const values = Array.isArray(value) ? value : [value];
  if (field.fieldKind === "list") {
    const items: JsonValue[] = [];
    for (const item of values) {
      const converted =
        field.listKind === "scalar"
          ? scalarToJson(field.scalar, item)
          : field.listKind === "enum"
            ? enumToJson(field.enum, item)
            : messageStringToJson(field.message, item);
      if (converted instanceof Error) return converted;
      items.push(converted);
    }
    return items;
  }
  if (values.length !== 1) return new Error("Expected a single value, got several");
  const single = values[0] as string;
  switch (field.fieldKind) {
    case "scalar":
      return scalarToJson(field.scalar, single);
    case "enum":
      return enumToJson(field.enum, single);
    case "message":
      return messageStringToJson(field.message, single);
    default:
      return new Error("A map cannot be set from a string");
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function scalarToJson(type: ScalarType, value: string): JsonValue | Error {
  switch (type) {
    case ScalarType.BOOL:
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      return new Error("Input should be a valid boolean");
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return /^[+-]?\d+$/.test(value) ? Number(value) : new Error("Input should be a valid integer");
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return NUMBER.test(value) ? Number(value) : new Error("Input should be a valid number");
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return /^[+-]?\d+$/.test(value) ? value : new Error("Input should be a valid integer");
    default:
      return value;
  }
}

/** An enum value by its name or number; an unknown one is an error, not silently dropped. */
function enumToJson(type: DescEnum, value: string): JsonValue | Error {
  const known = /^-?\d+$/.test(value) ? type.value[Number(value)] : type.values.find((v) => v.name === value);
  if (known) return known.name;
  return new Error(`Input should be one of: ${type.values.map((v) => `'${v.name}'`).join(", ")}`);
}

/** Well-known types that have a scalar JSON form (wrappers, Timestamp, Duration, FieldMask). */
function messageStringToJson(message: DescMessage | undefined, value: string): JsonValue | Error {
  const name = message?.typeName ?? "";
  if (!name.startsWith("google.protobuf.")) return new Error("A message cannot be set from a string; address its fields with dots");
  const wrapped = message?.fields.length === 1 && message.fields[0]?.name === "value" ? message.fields[0] : undefined;
  if (wrapped?.fieldKind === "scalar") return scalarToJson(wrapped.scalar, value);
  return value;
}

/** protobuf-es names the failing field in its message; point `loc` at it when we can. */
function jsonViolation(binding: HttpBinding, schema: DescMessage, error: unknown): FieldViolation {
  const message = error instanceof Error ? error.message : String(error);
  const match = /cannot decode (?:field|message) ([\w.]+)/.exec(message);
  const typeName = match?.[1] ?? "";
  const fieldName = typeName.slice(typeName.lastIndexOf(".") + 1);
  const topLevel = schema.fields.find((f) => f.name === fieldName);
  const loc = topLevel ? locationOf(binding, [fieldName]) : ["body"];
  return { path: loc, message: describeJsonError(message), type: "type_error" };
}

function describeJsonError(message: string): string {
  const detail = message.replace(/^cannot decode (field|message) [\w.]+ from JSON:?\s*/, "");
  return detail.length > 0 && detail.length < 200 ? `Invalid value: ${detail}` : "Invalid value";
}
