// The proto3 JSON forms of the google.protobuf well-known types, which are not objects of their
// fields: https://protobuf.dev/programming-guides/json/
import type { DescMessage } from "@bufbuild/protobuf";
import type { Schema } from "./openapi-types.js";
import { scalarSchema } from "./scalars.js";

const FIXED: Readonly<Record<string, Schema>> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", examples: ["1.5s"] },
  "google.protobuf.FieldMask": { type: "string", description: "Comma-separated field paths." },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.Any": {
    type: "object",
    properties: { "@type": { type: "string", format: "uri-reference" } },
    required: ["@type"],
    additionalProperties: true,
  },
};

const WRAPPERS = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((name) => `google.protobuf.${name}Value`),
);

const STRING_FORMED = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"]);

/** The schema of a well-known type, or undefined for any other message. */
export function wellKnownSchema(message: DescMessage): Schema | undefined {
  const fixed = FIXED[message.typeName];
  if (fixed) return structuredClone(fixed);
  const wrapped = WRAPPERS.has(message.typeName) ? message.fields[0] : undefined;
  if (wrapped?.fieldKind === "scalar") {
    // A wrapper is its value, or null when unset.
    const schema = scalarSchema(wrapped.scalar);
    return { ...schema, type: [schema.type, "null"] };
  }
  return undefined;
}

/**
 * Whether a REST client can set a field of this type from one string (a path segment, query or
 * form value) — the REST gateway accepts exactly the well-known types with a scalar JSON form.
 */
export function hasStringForm(message: DescMessage): boolean {
  return WRAPPERS.has(message.typeName) || STRING_FORMED.has(message.typeName);
}
