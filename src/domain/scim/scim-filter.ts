// RFC 7644 §3.4.2.2 filters: a parser for the full grammar (eq ne co sw ew gt ge lt le pr, and /
// or / not, parentheses, value paths such as `emails[type eq "work" and value co "@x"]`), and the
// resolution of its attribute names against a resource's schema into the typed filter the
// repositories turn into SQL (src/persistence/repositories/scim-filter-sql.ts). Operators and
// attribute names are case-insensitive; `not` binds tighter than `and`, `and` tighter than `or`.
// Anything else is `invalidFilter`.
import type { CompareOperator, FilterValue, ResourceFilter } from "../../persistence/repositories/scim-filter-sql.js";
import { normalizeUsername } from "../../sdk/identity-normalization.js";
import { scimBadRequest } from "./scim-errors.js";
import { type AttributeDef, type ResourceSchema, resolveAttribute } from "./scim-schema.js";

/** A parsed filter: attribute paths as written. */
export type RawFilter =
  | { readonly op: "and" | "or"; readonly left: RawFilter; readonly right: RawFilter }
  | { readonly op: "not"; readonly filter: RawFilter }
  | { readonly op: "pr"; readonly path: string }
  | { readonly op: CompareOperator; readonly path: string; readonly value: FilterValue }
  | { readonly op: "valuePath"; readonly path: string; readonly filter: RawFilter };

const COMPARE_OPERATORS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const KEYWORDS = new Set(["and", "or", "not", "pr", ...COMPARE_OPERATORS]);

type Token =
  | { readonly kind: "(" | ")" | "[" | "]"; readonly at: number }
  | { readonly kind: "word"; readonly text: string; readonly at: number }
  | { readonly kind: "value"; readonly value: FilterValue; readonly at: number };

const WORD = /[A-Za-z0-9_$:.-]+/y;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?(?![A-Za-z0-9_$:.-])/y;
/** A quoted string up to its closing quote; JSON.parse then checks its escapes and characters. */
const STRING = /"(?:[^"\\]|\\.)*"/y;

export function invalidFilter(detail: string) {
  return scimBadRequest("invalidFilter", detail);
}

function jsonString(quoted: string, at: number): string {
  try {
    const value: unknown = JSON.parse(quoted);
    if (typeof value === "string") return value;
  } catch {
    // reported below
  }
  throw invalidFilter(`Malformed string at position ${at + 1}`);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      STRING.lastIndex = i;
      const match = STRING.exec(filter);
      if (!match) throw invalidFilter(`Unterminated string at position ${i + 1}`);
      tokens.push({ kind: "value", value: jsonString(match[0], i), at: i });
      i += match[0].length;
    } else {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(filter);
      if (number) {
        tokens.push({ kind: "value", value: Number(number[0]), at: i });
        i += number[0].length;
        continue;
      }
      WORD.lastIndex = i;
      const word = WORD.exec(filter);
      if (!word) throw invalidFilter(`Unexpected character ${JSON.stringify(c)} at position ${i + 1}`);
      const lower = word[0].toLowerCase();
      if (lower === "true" || lower === "false" || lower === "null") {
        tokens.push({ kind: "value", value: lower === "null" ? null : lower === "true", at: i });
      } else {
        tokens.push({ kind: "word", text: word[0], at: i });
      }
      i += word[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): RawFilter {
    if (this.tokens.length === 0) throw invalidFilter("The filter is empty");
    const filter = this.or(false);
    const extra = this.tokens[this.position];
    if (extra) throw invalidFilter(`Unexpected ${describe(extra)} at position ${extra.at + 1}`);
    return filter;
  }

  private peekKeyword(): string | undefined {
    const token = this.tokens[this.position];
    return token?.kind === "word" ? token.text.toLowerCase() : undefined;
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw invalidFilter("The filter ends too early");
    return token;
  }

  private expect(kind: "(" | ")" | "]"): void {
    const token = this.next();
    if (token.kind !== kind) throw invalidFilter(`Expected "${kind}" at position ${token.at + 1}, found ${describe(token)}`);
  }

  private or(inValuePath: boolean): RawFilter {
    let left = this.and(inValuePath);
    while (this.peekKeyword() === "or") {
      this.position++;
      left = { op: "or", left, right: this.and(inValuePath) };
    }
    return left;
  }

  private and(inValuePath: boolean): RawFilter {
    let left = this.unary(inValuePath);
    while (this.peekKeyword() === "and") {
      this.position++;
      left = { op: "and", left, right: this.unary(inValuePath) };
    }
    return left;
  }

  private unary(inValuePath: boolean): RawFilter {
    const token = this.next();
    if (token.kind === "(") {
      const inner = this.or(inValuePath);
      this.expect(")");
      return inner;
    }
    if (token.kind !== "word") throw invalidFilter(`Expected an attribute at position ${token.at + 1}, found ${describe(token)}`);
    const lower = token.text.toLowerCase();
    if (lower === "not") {
      this.expect("(");
      const inner = this.or(inValuePath);
      this.expect(")");
      return { op: "not", filter: inner };
    }
    if (KEYWORDS.has(lower)) throw invalidFilter(`Expected an attribute at position ${token.at + 1}, found "${token.text}"`);
    const path = token.text;
    const following = this.tokens[this.position];
    if (following?.kind === "[") {
      if (inValuePath) throw invalidFilter(`Value paths do not nest (position ${following.at + 1})`);
      this.position++;
      const inner = this.or(true);
      this.expect("]");
      return { op: "valuePath", path, filter: inner };
    }
    const operator = this.next();
    const op = operator.kind === "word" ? operator.text.toLowerCase() : "";
    if (op === "pr") return { op: "pr", path };
    if (!COMPARE_OPERATORS.has(op)) throw invalidFilter(`Expected an operator after "${path}", found ${describe(operator)}`);
    const value = this.next();
    if (value.kind !== "value") throw invalidFilter(`Expected a value after "${path} ${op}", found ${describe(value)}`);
    return { op: op as CompareOperator, path, value: value.value };
  }
}

function describe(token: Token): string {
  if (token.kind === "word") return `"${token.text}"`;
  if (token.kind === "value") return JSON.stringify(token.value);
  return `"${token.kind}"`;
}

export function parseFilter(filter: string): RawFilter {
  return new Parser(tokenize(filter)).parse();
}

/** Where the attributes of a (sub-)filter are looked up: the resource, or one multi-valued attribute's elements. */
interface Scope {
  readonly resource: ResourceSchema;
  readonly element?: AttributeDef;
}

/** Resolves the filter's attributes (unknown ones are `invalidFilter`) into the repositories' filter. */
export function resolveFilter(raw: RawFilter, resource: ResourceSchema, scope: Scope = { resource }): ResourceFilter {
  switch (raw.op) {
    case "and":
    case "or":
      return { op: raw.op, left: resolveFilter(raw.left, resource, scope), right: resolveFilter(raw.right, resource, scope) };
    case "not":
      return { op: "not", filter: resolveFilter(raw.filter, resource, scope) };
    case "valuePath": {
      if (scope.element) throw invalidFilter("Value paths do not nest");
      const resolved = resolveAttribute(resource, raw.path);
      if (!resolved || resolved.sub || !resolved.attribute.multiValued || !resolved.attribute.subAttributes) {
        throw invalidFilter(`"${raw.path}" is not a multi-valued attribute`);
      }
      const inner = resolveFilter(raw.filter, resource, { resource, element: resolved.attribute });
      return { op: "some", attribute: resolved.path, filter: inner };
    }
    default:
      return scope.element ? resolveElementComparison(raw, scope.element) : resolveComparison(raw, resource);
  }
}

type Leaf = Extract<RawFilter, { path: string; op: CompareOperator | "pr" }>;

function leafOf(raw: Leaf, attribute: string, def: AttributeDef): ResourceFilter {
  if (def.type === "complex") throw invalidFilter(`"${raw.path}" is complex: name one of its sub-attributes`);
  if (raw.op === "pr") return { op: "pr", attribute };
  return { op: raw.op, attribute, value: valueFor(def, raw), caseExact: def.caseExact };
}

function resolveElementComparison(raw: Leaf, element: AttributeDef): ResourceFilter {
  const sub = element.subAttributes?.find((a) => a.name.toLowerCase() === raw.path.toLowerCase());
  if (!sub) throw invalidFilter(`"${element.name}" has no sub-attribute "${raw.path}"`);
  return leafOf(raw, sub.name, sub);
}

function resolveComparison(raw: Leaf, resource: ResourceSchema): ResourceFilter {
  const resolved = resolveAttribute(resource, raw.path);
  if (!resolved) throw invalidFilter(`Unknown attribute "${raw.path}"`);
  const { attribute, sub } = resolved;
  if (attribute.returned === "never") throw invalidFilter(`"${raw.path}" cannot be filtered on`);
  if (attribute.multiValued) {
    // `emails.value eq x`: some element's value; `emails eq x` and `emails pr`: some element's `value`.
    const top = resolved.extension ? `${resolved.extension}:${attribute.name}` : attribute.name;
    const element = sub ?? attribute.subAttributes?.find((a) => a.name === "value");
    if (!element) throw invalidFilter(`"${raw.path}" cannot be compared`);
    return { op: "some", attribute: top, filter: leafOf({ ...raw, path: element.name }, element.name, element) };
  }
  const def = sub ?? attribute;
  if (resolved.path === "userName" && raw.op !== "pr" && typeof raw.value === "string") {
    // userName is compared in its normalized form, the tenant's unique index (NFKC, lower case).
    return { op: raw.op, attribute: "userName", value: normalizeUsername(raw.value), caseExact: true };
  }
  return leafOf(raw, resolved.path, def);
}

function valueFor(def: AttributeDef, raw: Extract<RawFilter, { value: FilterValue }>): FilterValue {
  const { value } = raw;
  if (def.type === "boolean" && typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  if (def.type === "boolean" && value !== null && typeof value !== "boolean") throw invalidFilter(`"${raw.path}" is a boolean`);
  if (def.type === "dateTime" && value !== null && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) {
    throw invalidFilter(`"${raw.path}" is a date-time: compare it with an RFC 3339 string`);
  }
  return value;
}
