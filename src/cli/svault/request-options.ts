// A request message's fields as command-line options, derived from its descriptor: the name
// (`tenant_id` → `--tenant-id`; a nested message's fields as `--block-config.user-free-attempts`),
// the value's type and allowed values (enum names, the `one_of` rule), the help text (the field's
// comment). The values become the request's proto3 JSON, so that the generated code's own JSON
// reader checks and converts them (numbers, timestamps, 64-bit integers, oneofs).
import { type DescField, type DescMessage, getOption, hasOption, type JsonObject, type JsonValue, ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError, Option } from "commander";
import { field as fieldExtension } from "../../../gen/svault/api/v1/options_pb.js";
import { isIgnoredField, oneLine } from "./proto-help.js";

/** One option: the field it sets, reached from the request through `path`. */
export interface FieldOption {
  readonly path: readonly DescField[];
  readonly options: readonly Option[];
}

export interface OptionPlan {
  /** The fields given as options (a field given as a positional argument is not among them). */
  readonly fields: readonly FieldOption[];
}

const MAX_DEPTH = 3;

/**
 * The options of `request`'s fields. `flattened` (the field REST takes as the whole body, e.g.
 * UpdateTenantRequest.settings) contributes its fields without a prefix, as REST clients write
 * them; `positional` fields are left to arguments.
 */
export function planOptions(request: DescMessage, flattened: DescField | undefined, positional: readonly DescField[]): OptionPlan {
  const fields: FieldOption[] = [];
  const walk = (message: DescMessage, path: readonly DescField[], prefix: string, depth: number) => {
    for (const field of message.fields) {
      if (positional.includes(field) || isIgnoredField(field)) continue;
      const here = [...path, field];
      if (field.fieldKind === "message" && !isWellKnown(field.message)) {
        if (depth < MAX_DEPTH) walk(field.message, here, field === flattened ? prefix : `${prefix}${kebab(field.name)}.`, depth + 1);
        continue;
      }
      const options = optionsFor(field, `${prefix}${kebab(field.name)}`);
      if (options.length > 0) fields.push({ path: here, options });
    }
  };
  walk(request, [], "", 0);
  return { fields };
}

/** The JSON members the options given on the command line set (unset options are left out). */
export function jsonFromOptions(plan: OptionPlan, values: Record<string, unknown>): JsonObject {
  const json: JsonObject = {};
  for (const { path, options } of plan.fields) {
    const value = values[options[0]?.attributeName() ?? ""];
    if (value !== undefined) setPath(json, path, value as JsonValue);
  }
  return json;
}

export function setPath(json: JsonObject, path: readonly DescField[], value: JsonValue): void {
  let node = json;
  for (const field of path.slice(0, -1)) {
    const next = node[field.name];
    const child: JsonObject = isObject(next) ? next : {};
    node[field.name] = child;
    node = child;
  }
  const last = path[path.length - 1];
  if (last) node[last.name] = value;
}

/** Deep merge: `over` wins, objects are merged member by member. */
export function mergeJson(base: JsonObject, over: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? mergeJson(current, value) : value;
  }
  return merged;
}

export const kebab = (name: string) => name.replaceAll("_", "-");

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Messages a command line can write as one string; others (Struct, …) only through --data. */
const WRITABLE_WELL_KNOWN = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);

function isWellKnown(message: DescMessage): boolean {
  return message.typeName.startsWith("google.protobuf.");
}

function optionsFor(field: DescField, flag: string): Option[] {
  const help = oneLine(field);
  const allowed = allowedValues(field);
  switch (field.fieldKind) {
    case "scalar": {
      if (field.scalar === ScalarType.BOOL) {
        const options = [new Option(`--${flag}`, help)];
        // Explicit presence: unset, true and false are three different requests.
        if (field.presence === FeatureSet_FieldPresence.EXPLICIT) options.push(new Option(`--no-${flag}`, `(sets ${flag} false)`));
        return options;
      }
      return [withValues(new Option(`--${flag} <${placeholder(field.scalar)}>`, help), field.scalar, allowed)];
    }
    case "enum":
      return [new Option(`--${flag} <name>`, help).choices(allowed ?? [])];
    case "message":
      return WRITABLE_WELL_KNOWN.has(field.message.typeName) ? [new Option(`--${flag} <${timeLike(field.message)}>`, help)] : [];
    case "list":
      if (field.listKind === "message") return [];
      if (field.listKind === "enum") return [new Option(`--${flag} <name...>`, help).choices(allowed ?? [])];
      return [withValues(new Option(`--${flag} <${placeholder(field.scalar)}...>`, help), field.scalar, allowed)];
    case "map":
      return [];
  }
}

function timeLike(message: DescMessage): string {
  return message.typeName === "google.protobuf.Timestamp" ? "rfc3339-time" : "duration";
}

function allowedValues(field: DescField): string[] | undefined {
  const enumType = field.enum;
  if (enumType) return enumType.values.map((value) => value.name);
  const rules = hasOption(field, fieldExtension) ? getOption(field, fieldExtension) : undefined;
  return rules && rules.oneOf.length > 0 ? [...rules.oneOf] : undefined;
}

const INTEGER_TYPES = new Set([
  ScalarType.INT32,
  ScalarType.UINT32,
  ScalarType.SINT32,
  ScalarType.FIXED32,
  ScalarType.SFIXED32,
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);
const is64Bit = (type: ScalarType) =>
  [ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64].includes(type);

function placeholder(type: ScalarType): string {
  if (INTEGER_TYPES.has(type)) return "integer";
  if (type === ScalarType.DOUBLE || type === ScalarType.FLOAT) return "number";
  if (type === ScalarType.BYTES) return "base64";
  return "string";
}

function withValues(option: Option, type: ScalarType, allowed: string[] | undefined): Option {
  if (allowed) return option.choices(allowed);
  const parse = valueParser(type);
  if (!parse) return option;
  // Variadic options collect every value; commander hands over the previous ones.
  return option.argParser((value: string, previous: unknown) => {
    const parsed = parse(value);
    return option.variadic ? [...(Array.isArray(previous) ? previous : []), parsed] : parsed;
  });
}

function valueParser(type: ScalarType): ((value: string) => JsonValue) | undefined {
  if (INTEGER_TYPES.has(type)) {
    return (value) => {
      if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("expected an integer");
      // 64-bit integers stay strings, as proto3 JSON writes them, so that no digit is lost.
      return is64Bit(type) ? value : Number(value);
    };
  }
  if (type === ScalarType.DOUBLE || type === ScalarType.FLOAT) {
    return (value) => {
      const n = Number(value);
      if (value.trim() === "" || Number.isNaN(n)) throw new InvalidArgumentError("expected a number");
      return n;
    };
  }
  return undefined;
}
