// Runtime check of the `(svault.api.v1.field)` constraints declared in the protos. The checks of
// a message type are compiled once from its descriptor; validating a request is then a walk over
// precomputed closures, with no descriptor or option lookups on the hot path.
import { type DescField, type DescMessage, getOption, hasOption, type Message, ScalarType } from "@bufbuild/protobuf";
import { field as fieldExtension, StringFormat, type FieldRules } from "../../gen/svault/api/v1/options_pb.js";
import type { FieldViolation } from "../errors/domain-error.js";

type Path = readonly (string | number)[];

/**
 * The maximum length, in code points, of a string field that declares no `max_len`: every string a
 * request carries is bounded by its field, not only by the request size (1 MiB), so that no value
 * of megabytes reaches a lookup, a hash or the database. Identifiers and free text declare their own.
 */
export const DEFAULT_MAX_LEN = 1024;
type Check = (message: Record<string, unknown>, path: Path, out: FieldViolation[]) => void;

const compiled = new WeakMap<DescMessage, Check[]>();

/** Returns every violation in `message` (empty when valid). */
export function validateMessage(schema: DescMessage, message: Message): FieldViolation[] {
  const out: FieldViolation[] = [];
  runChecks(schema, message as unknown as Record<string, unknown>, [], out);
  return out;
}

function runChecks(schema: DescMessage, message: Record<string, unknown>, path: Path, out: FieldViolation[]): void {
  for (const check of checksFor(schema)) check(message, path, out);
}

function checksFor(schema: DescMessage): Check[] {
  let checks = compiled.get(schema);
  if (checks === undefined) {
    // Registered before compiling so that recursive message types terminate.
    checks = [];
    compiled.set(schema, checks);
    for (const field of schema.fields) {
      const check = compileField(field);
      if (check) checks.push(check);
    }
  }
  return checks;
}

/** Reads a field's value, looking through its oneof when it has one. */
function fieldValue(field: DescField, message: Record<string, unknown>): unknown {
  if (field.oneof === undefined) return message[field.localName];
  const group = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return group?.case === field.localName ? group.value : undefined;
}

function compileField(field: DescField): Check | undefined {
  const rules = hasOption(field, fieldExtension) ? getOption(field, fieldExtension) : undefined;
  const itemCheck = compileValueRules(rules, holdsStrings(field));
  const nested = field.message;
  if (!rules && !nested && !itemCheck) return undefined;
  const name = field.name;

  // A field's path (`[...path, name]`) is made only for a violation or a nested message: valid
  // requests are the common case, and an array per checked field per call was most of the
  // validation's allocations.
  return (message, path, out) => {
    const value = fieldValue(field, message);
    if (field.fieldKind === "list") {
      const items = (value as unknown[] | undefined) ?? [];
      if (items.length === 0 && !rules) return;
      const here = [...path, name];
      if (rules) checkList(rules, items, here, out);
      for (let index = 0; index < items.length; index++) {
        const item = items[index];
        itemCheck?.(item, here, index, out);
        if (nested && item !== undefined) runChecks(nested, item as Record<string, unknown>, [...here, index], out);
      }
      return;
    }
    if (field.fieldKind === "map") return;
    if (rules?.required && isEmpty(value)) {
      out.push({ path: [...path, name], message: "Field required", type: "missing" });
      return;
    }
    if (value === undefined) return;
    itemCheck?.(value, path, name, out);
    if (nested && field.fieldKind === "message") runChecks(nested, value as Record<string, unknown>, [...path, name], out);
  };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

function checkList(rules: FieldRules, items: unknown[], path: Path, out: FieldViolation[]): void {
  if (rules.required && items.length === 0) {
    out.push({ path, message: "Field required", type: "missing" });
  }
  if (rules.minItems !== undefined && items.length < rules.minItems) {
    out.push({ path, message: `List should have at least ${rules.minItems} items`, type: "too_short" });
  }
  if (rules.maxItems !== undefined && items.length > rules.maxItems) {
    out.push({ path, message: `List should have at most ${rules.maxItems} items`, type: "too_long" });
  }
  if (rules.uniqueItems && new Set(items.map((item) => String(item))).size !== items.length) {
    out.push({ path, message: "List items must be unique", type: "not_unique" });
  }
}

/** Checks a value found at `[...parent, key]`; that path is made only for a violation. */
type ValueCheck = (value: unknown, parent: Path, key: string | number, out: FieldViolation[]) => void;

/** A string field, or a list of strings. */
function holdsStrings(field: DescField): boolean {
  return (
    (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) && field.scalar === ScalarType.STRING
  );
}

function compileValueRules(rules: FieldRules | undefined, isString: boolean): ValueCheck | undefined {
  const checks: ValueCheck[] = [];
  // Every string, with or without declared rules: Postgres text cannot hold U+0000, so such a
  // value would otherwise reach the database and fail there as an internal error.
  if (isString) checks.push(refuseNul);
  if (isString && rules?.maxLen === undefined) checks.push(defaultMaxLen);
  const stringCheck = rules ? compileStringRules(rules) : undefined;
  if (stringCheck) checks.push((value, parent, key, out) => typeof value === "string" && stringCheck(value, parent, key, out));
  const numberCheck = rules ? compileNumberRules(rules) : undefined;
  if (numberCheck) {
    checks.push((value, parent, key, out) => {
      if (typeof value === "number" || typeof value === "bigint") numberCheck(Number(value), parent, key, out);
    });
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (value, parent, key, out) => {
    for (const check of checks) check(value, parent, key, out);
  };
}

const refuseNul: ValueCheck = (value, parent, key, out) => {
  if (typeof value === "string" && value.includes("\u0000")) {
    out.push({ path: [...parent, key], message: "String should not contain the NUL character (U+0000)", type: "string_nul_character" });
  }
};

const defaultMaxLen: ValueCheck = (value, parent, key, out) => {
  if (typeof value === "string" && longerThan(value, DEFAULT_MAX_LEN)) {
    out.push({ path: [...parent, key], message: `String should have at most ${DEFAULT_MAX_LEN} characters`, type: "string_too_long" });
  }
};

/**
 * Whether `value` has more than `max` code points. A string has at most as many code points as
 * UTF-16 units and at least half as many, so they are counted only between those bounds.
 */
function longerThan(value: string, max: number): boolean {
  return value.length > max && codePointLength(value) > max;
}

/** Whether `value` has fewer than `min` code points (counted only between the bounds, as above). */
function shorterThan(value: string, min: number): boolean {
  return value.length < min || (value.length < 2 * min && codePointLength(value) < min);
}

/** The length in Unicode code points (as `[...value].length`, without building the array). */
function codePointLength(value: string): number {
  let pairs = 0;
  for (let i = 1; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && isHighSurrogate(value.charCodeAt(i - 1))) {
      pairs++;
      i++;
    }
  }
  return value.length - pairs;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function compileStringRules(
  rules: FieldRules,
): ((value: string, parent: Path, key: string | number, out: FieldViolation[]) => void) | undefined {
  const { minLen, maxLen, pattern, format, oneOf } = rules;
  if (minLen === undefined && maxLen === undefined && !pattern && !format && oneOf.length === 0) return undefined;
  const regex = pattern ? new RegExp(pattern, "u") : undefined;
  const formatCheck = format ? FORMAT_CHECKS[format] : undefined;
  const allowed = oneOf.length > 0 ? new Set(oneOf) : undefined;
  // One violation per field, the first that fails, as the reference (pydantic) reports them: a
  // 64-character id that also breaks the pattern is "too long", not two errors at one location.
  const violationOf = (value: string): Omit<FieldViolation, "path"> | undefined => {
    if (minLen !== undefined && shorterThan(value, minLen)) {
      return { message: `String should have at least ${minLen} characters`, type: "string_too_short" };
    }
    if (maxLen !== undefined && longerThan(value, maxLen)) {
      return { message: `String should have at most ${maxLen} characters`, type: "string_too_long" };
    }
    if (value === "") return undefined;
    if (regex && !regex.test(value)) {
      return { message: `String should match pattern '${pattern}'`, type: "string_pattern_mismatch" };
    }
    if (formatCheck && !formatCheck.test(value)) return { message: formatCheck.message, type: formatCheck.type };
    if (allowed && !allowed.has(value)) {
      return { message: `Input should be one of: ${oneOf.map((v) => `'${v}'`).join(", ")}`, type: "enum" };
    }
    return undefined;
  };
  return (value, parent, key, out) => {
    const violation = violationOf(value);
    if (violation) out.push({ path: [...parent, key], ...violation });
  };
}

function compileNumberRules(
  rules: FieldRules,
): ((value: number, parent: Path, key: string | number, out: FieldViolation[]) => void) | undefined {
  const { gt, gte, lt, lte } = rules;
  if (gt === undefined && gte === undefined && lt === undefined && lte === undefined) return undefined;
  return (value, parent, key, out) => {
    if (
      (gt === undefined || value > gt) &&
      (gte === undefined || value >= gte) &&
      (lt === undefined || value < lt) &&
      (lte === undefined || value <= lte)
    ) {
      return;
    }
    const path = [...parent, key];
    if (gt !== undefined && !(value > gt)) out.push({ path, message: `Input should be greater than ${gt}`, type: "greater_than" });
    if (gte !== undefined && !(value >= gte)) {
      out.push({ path, message: `Input should be greater than or equal to ${gte}`, type: "greater_than_equal" });
    }
    if (lt !== undefined && !(value < lt)) out.push({ path, message: `Input should be less than ${lt}`, type: "less_than" });
    if (lte !== undefined && !(value <= lte)) {
      out.push({ path, message: `Input should be less than or equal to ${lte}`, type: "less_than_equal" });
    }
  };
}

interface FormatCheck {
  test(value: string): boolean;
  readonly message: string;
  readonly type: string;
}

// The WHATWG HTML rule for a valid e-mail address: strict enough to catch typos, and it accepts
// every address a mail system delivers to in practice.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isAbsoluteUri(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname !== "";
  } catch {
    return false;
  }
}

function isIp(value: string): boolean {
  if (IPV4.test(value)) return true;
  try {
    return value.includes(":") && new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

const FORMAT_CHECKS: Partial<Record<StringFormat, FormatCheck>> = {
  [StringFormat.EMAIL]: {
    test: (v) => v.length <= 254 && EMAIL.test(v),
    message: "value is not a valid email address",
    type: "value_error.email",
  },
  [StringFormat.URI]: { test: isAbsoluteUri, message: "Input should be a valid absolute URL", type: "url_parsing" },
  [StringFormat.UUID]: { test: (v) => UUID.test(v), message: "Input should be a valid UUID", type: "uuid_parsing" },
  [StringFormat.IP]: { test: isIp, message: "Input should be a valid IP address", type: "ip_address" },
};
