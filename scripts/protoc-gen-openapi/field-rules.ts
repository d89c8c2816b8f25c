// `(svault.api.v1.field)` rules → JSON Schema keywords, with the meaning the run-time validator
// (src/validation/field-rules.ts) gives them: string rules check strings, number rules check
// numbers, list rules check repeated fields, and on a repeated field the string and number rules
// apply to each item.
import { ScalarType } from "@bufbuild/protobuf";
import type { FieldRules } from "../../gen/svault/api/v1/options_pb.js";
import type { StringFormatName } from "./annotations.js";
import type { Schema } from "./openapi-types.js";

/** Which value rules can hold for a field's JSON values. */
export type RuleKind = "string" | "number" | "none";

export function ruleKindOf(scalar: ScalarType | undefined): RuleKind {
  switch (scalar) {
    case ScalarType.STRING:
      return "string";
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return "number";
    default:
      // 64-bit integers are checked as numbers but travel as JSON strings, where `minimum` and
      // friends would be ignored; bytes, bools, enums and messages have no value rules.
      return "none";
  }
}

/** Adds the string or number rules to the schema of one value (a field, or a list's item). */
export function withValueRules(schema: Schema, kind: RuleKind, rules: FieldRules, format: StringFormatName | undefined): Schema {
  const out: Schema = { ...schema };
  if (kind === "string") {
    if (rules.minLen !== undefined) out.minLength = rules.minLen;
    if (rules.maxLen !== undefined) out.maxLength = rules.maxLen;
    if (rules.pattern !== "") out.pattern = rules.pattern;
    if (format === "ip") out.anyOf = [{ format: "ipv4" }, { format: "ipv6" }];
    else if (format !== undefined) out.format = format;
    if (rules.oneOf.length > 0) out.enum = [...rules.oneOf];
  }
  if (kind === "number") {
    if (rules.gt !== undefined) out.exclusiveMinimum = rules.gt;
    if (rules.gte !== undefined) out.minimum = rules.gte;
    if (rules.lt !== undefined) out.exclusiveMaximum = rules.lt;
    if (rules.lte !== undefined) out.maximum = rules.lte;
  }
  return out;
}

/** `required` on a single string means non-empty; presence itself goes in the parent's `required`. */
export function withRequiredValue(schema: Schema, kind: RuleKind, rules: FieldRules): Schema {
  if (!rules.required || kind !== "string" || (schema.minLength ?? 0) >= 1) return schema;
  return { ...schema, minLength: 1 };
}

export function withListRules(schema: Schema, rules: FieldRules): Schema {
  const out: Schema = { ...schema };
  const minItems = Math.max(rules.minItems ?? 0, rules.required ? 1 : 0);
  if (minItems > 0) out.minItems = minItems;
  if (rules.maxItems !== undefined) out.maxItems = rules.maxItems;
  if (rules.uniqueItems) out.uniqueItems = true;
  return out;
}
