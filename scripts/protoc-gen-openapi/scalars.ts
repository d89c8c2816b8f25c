// Proto scalar types → their proto3 JSON schema. 64-bit integers are JSON strings (a JavaScript
// number cannot hold them exactly) and bytes are base64.
import { ScalarType } from "@bufbuild/protobuf";
import type { Schema, SchemaType } from "./openapi-types.js";

/** A scalar's schema always has a single type, which callers use to pick the applicable rules. */
export type ScalarSchema = Schema & { type: SchemaType };

export function scalarSchema(scalar: ScalarType): ScalarSchema {
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: "^[0-9]+$" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte", contentEncoding: "base64" };
    case ScalarType.STRING:
      return { type: "string" };
  }
}
