// PATCH (RFC 7644 §3.5.2) on a resource's writable attributes, in memory: add, replace and
// remove, with and without a path, paths with a value filter (`emails[type eq "work"].value`),
// and what Microsoft Entra ID sends besides the RFC (its SCIM compatibility notes): capitalised
// ops (`Replace`), booleans as "True"/"False" strings (made booleans by canonicalize afterwards),
// a path-less replace whose keys are paths (`"name.givenName"`, `"urn:…:User:department"`), and a
// remove of `members` carrying the members to remove as its value. The result is canonicalized
// again by the caller, so every rule of a PUT holds after a PATCH too.
import type { FilterValue } from "../../persistence/repositories/scim-filter-sql.js";
import { isObject, type JsonObject } from "./scim-canonical.js";
import { scimBadRequest } from "./scim-errors.js";
import { parseFilter, type RawFilter } from "./scim-filter.js";
import { type AttributeDef, extensionNamed, PATCH_OP_SCHEMA, type ResourceSchema, resolveAttribute } from "./scim-schema.js";

export interface PatchOperation {
  readonly op: "add" | "remove" | "replace";
  readonly path: string | undefined;
  readonly value: unknown;
}

/** The operations of a PatchOp message; `invalidSyntax` when it is not one. */
export function patchOperationsOf(body: JsonObject | undefined): PatchOperation[] {
  if (!body) throw scimBadRequest("invalidSyntax", "A PatchOp message is required");
  const schemas = body.schemas;
  if (Array.isArray(schemas) && !schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw scimBadRequest("invalidSyntax", `schemas must contain ${PATCH_OP_SCHEMA}`);
  }
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw scimBadRequest("invalidSyntax", "Operations must be a non-empty list");
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw scimBadRequest("invalidSyntax", `Operations[${index}] must be an object`);
    const op = typeof operation.op === "string" ? operation.op.toLowerCase() : "";
    if (op !== "add" && op !== "remove" && op !== "replace") {
      throw scimBadRequest("invalidSyntax", `Operations[${index}].op must be add, remove or replace`);
    }
    const path = operation.path;
    if (path !== undefined && path !== null && (typeof path !== "string" || path.trim() === "")) {
      throw scimBadRequest("invalidPath", `Operations[${index}].path must be a non-empty string`);
    }
    return { op, path: typeof path === "string" ? path.trim() : undefined, value: operation.value };
  });
}

/** A parsed PATCH path: `attrPath`, `attrPath[filter]`, `attrPath[filter].sub`. */
interface Target {
  readonly container: string | undefined;
  readonly attribute: AttributeDef;
  readonly sub: AttributeDef | undefined;
  readonly filter: RawFilter | undefined;
}

export function parseTarget(resource: ResourceSchema, path: string): Target {
  const open = path.indexOf("[");
  let attrPath = path;
  let filter: RawFilter | undefined;
  let subName: string | undefined;
  if (open !== -1) {
    const close = path.lastIndexOf("]");
    if (close < open) throw scimBadRequest("invalidPath", `Unbalanced brackets in "${path}"`);
    attrPath = path.slice(0, open);
    try {
      filter = parseFilter(path.slice(open + 1, close));
    } catch {
      throw scimBadRequest("invalidPath", `Invalid value filter in "${path}"`);
    }
    const after = path.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(".") || after.length < 2) throw scimBadRequest("invalidPath", `Invalid path "${path}"`);
      subName = after.slice(1);
    }
  }
  const resolved = resolveAttribute(resource, attrPath);
  if (!resolved) throw scimBadRequest("invalidPath", `Unknown attribute "${attrPath}"`);
  let sub = resolved.sub;
  if (subName !== undefined) {
    if (sub) throw scimBadRequest("invalidPath", `Invalid path "${path}"`);
    sub = resolved.attribute.subAttributes?.find((a) => a.name.toLowerCase() === subName.toLowerCase());
    if (!sub) throw scimBadRequest("invalidPath", `"${resolved.attribute.name}" has no sub-attribute "${subName}"`);
  }
  if (filter && (!resolved.attribute.multiValued || resolved.sub)) {
    throw scimBadRequest("invalidPath", `A value filter needs a multi-valued attribute: "${path}"`);
  }
  const mutability = (sub ?? resolved.attribute).mutability;
  if (resolved.attribute.mutability === "readOnly" || mutability === "readOnly") {
    throw scimBadRequest("mutability", `"${attrPath}" is read-only`);
  }
  return { container: resolved.extension, attribute: resolved.attribute, sub, filter };
}

/** Applies the operations to a copy of `resource`'s writable attributes. */
export function applyPatch(schema: ResourceSchema, resource: JsonObject, operations: readonly PatchOperation[]): JsonObject {
  const result = structuredClone(resource);
  for (const operation of operations) apply(schema, result, operation);
  return result;
}

function apply(schema: ResourceSchema, resource: JsonObject, { op, path, value }: PatchOperation): void {
  if (path === undefined) {
    if (op === "remove") throw scimBadRequest("noTarget", "remove needs a path");
    if (!isObject(value)) throw scimBadRequest("invalidValue", `${op} without a path needs an object value`);
    for (const [key, item] of Object.entries(value)) {
      const extension = extensionNamed(schema, key);
      if (extension && isObject(item)) {
        for (const [inner, innerValue] of Object.entries(item)) {
          apply(schema, resource, { op, path: `${extension.id}:${inner}`, value: innerValue });
        }
      } else if (!isReadOnly(schema, key)) {
        apply(schema, resource, { op, path: key, value: item });
      }
    }
    return;
  }
  const target = parseTarget(schema, path);
  const container = containerOf(resource, target.container, op !== "remove");
  if (!container) return;
  const name = target.attribute.name;
  if (op === "remove") {
    remove(container, target, value);
    return;
  }
  if (value === undefined) throw scimBadRequest("invalidValue", `${op} of "${path}" needs a value`);
  if (target.filter) {
    setFiltered(container, target, value);
  } else if (target.sub && target.attribute.multiValued) {
    // `emails.value`: every element's sub-attribute (one created when there is none).
    const elements = elementsOf(container, name);
    if (elements.length === 0) container[name] = [{ [target.sub.name]: value }];
    for (const element of elements) element[target.sub.name] = value;
  } else if (target.sub) {
    const parent = isObject(container[name]) ? (container[name] as JsonObject) : {};
    parent[target.sub.name] = value;
    container[name] = parent;
  } else if (target.attribute.multiValued) {
    const values = Array.isArray(value) ? value : [value];
    const current = op === "add" ? elementsOf(container, name) : [];
    const added = values.filter((item) => !current.some((existing) => sameElement(existing, item)));
    container[name] = [...current, ...added];
  } else if (target.attribute.type === "complex" && isObject(value) && isObject(container[name])) {
    container[name] = { ...(container[name] as JsonObject), ...value };
  } else {
    container[name] = value;
  }
}

/**
 * Keys of a path-less value that name nothing writable (`schemas`, `id`, `meta`): Okta sends the
 * whole group, id included, in a path-less replace. They are skipped; a path naming one is
 * refused with `mutability`.
 */
function isReadOnly(schema: ResourceSchema, key: string): boolean {
  if (key.toLowerCase() === "schemas") return true;
  return resolveAttribute(schema, key)?.attribute.mutability === "readOnly";
}

function containerOf(resource: JsonObject, extension: string | undefined, create: boolean): JsonObject | undefined {
  if (extension === undefined) return resource;
  const existing = resource[extension];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: JsonObject = {};
  resource[extension] = made;
  return made;
}

function elementsOf(container: JsonObject, name: string): JsonObject[] {
  const value = container[name];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function sameElement(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && "value" in a && "value" in b) return a.value === b.value && (a.type ?? null) === (b.type ?? null);
  return JSON.stringify(a) === JSON.stringify(b);
}

function remove(container: JsonObject, target: Target, value: unknown): void {
  const name = target.attribute.name;
  if (target.filter) {
    const elements = elementsOf(container, name);
    const matched = elements.filter((element) => matches(target.filter as RawFilter, element, target.attribute));
    if (target.sub) {
      for (const element of matched) delete element[target.sub.name];
    } else {
      container[name] = elements.filter((element) => !matched.includes(element));
    }
    return;
  }
  if (target.sub) {
    const parent = container[name];
    if (target.attribute.multiValued) for (const element of elementsOf(container, name)) delete element[target.sub.name];
    else if (isObject(parent)) delete parent[target.sub.name];
    return;
  }
  if (target.attribute.multiValued && value !== undefined && value !== null) {
    // Entra ID: `{"op": "Remove", "path": "members", "value": [{"value": "<id>"}]}` removes those.
    const removed = (Array.isArray(value) ? value : [value]).map((item) => (isObject(item) ? item.value : item));
    container[name] = elementsOf(container, name).filter((element) => !removed.includes(element.value));
    return;
  }
  delete container[name];
}

/** `add`/`replace` at `attr[filter]` or `attr[filter].sub`: the matching elements, or a new one built from the filter's `eq`s. */
function setFiltered(container: JsonObject, target: Target, value: unknown): void {
  const name = target.attribute.name;
  const elements = elementsOf(container, name);
  const filter = target.filter as RawFilter;
  const matched = elements.filter((element) => matches(filter, element, target.attribute));
  if (matched.length === 0) {
    // Entra ID sets `emails[type eq "work"].value` on a user without a work e-mail: an upsert.
    const seed = equalities(filter);
    if (!seed) throw scimBadRequest("noTarget", `No value matches the filter of "${name}"`);
    const element: JsonObject = { ...seed };
    if (target.sub) element[target.sub.name] = value;
    else if (isObject(value)) Object.assign(element, value);
    else throw scimBadRequest("invalidValue", `The value for "${name}" must be an object`);
    container[name] = [...elements, element];
    return;
  }
  for (const element of matched) {
    if (target.sub) element[target.sub.name] = value;
    else if (isObject(value)) Object.assign(element, value);
    else throw scimBadRequest("invalidValue", `The value for "${name}" must be an object`);
  }
}

/** The sub-attribute values a filter made only of `eq`s joined by `and` fixes; undefined otherwise. */
function equalities(filter: RawFilter): JsonObject | undefined {
  if (filter.op === "eq") return { [filter.path]: filter.value };
  if (filter.op === "and") {
    const left = equalities(filter.left);
    const right = equalities(filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  return undefined;
}

/** Evaluates a value filter on one element of a multi-valued attribute. */
export function matches(filter: RawFilter, element: JsonObject, attribute: AttributeDef): boolean {
  switch (filter.op) {
    case "and":
      return matches(filter.left, element, attribute) && matches(filter.right, element, attribute);
    case "or":
      return matches(filter.left, element, attribute) || matches(filter.right, element, attribute);
    case "not":
      return !matches(filter.filter, element, attribute);
    case "valuePath":
      throw scimBadRequest("invalidPath", "Value filters do not nest");
    default: {
      const sub = attribute.subAttributes?.find((a) => a.name.toLowerCase() === filter.path.toLowerCase());
      if (!sub) throw scimBadRequest("invalidPath", `"${attribute.name}" has no sub-attribute "${filter.path}"`);
      const actual = element[sub.name];
      if (filter.op === "pr") return actual !== undefined && actual !== null && actual !== "";
      return compare(actual, filter.op, filter.value, sub.caseExact);
    }
  }
}

function compare(actual: unknown, op: string, expected: FilterValue, caseExact: boolean): boolean {
  if (expected === null) return op === "eq" ? actual === undefined || actual === null : actual !== undefined && actual !== null;
  if (actual === undefined || actual === null) return op === "ne";
  if (typeof expected === "boolean" || typeof actual === "boolean") {
    const equal = String(actual).toLowerCase() === String(expected).toLowerCase();
    return op === "eq" ? equal : op === "ne" ? !equal : false;
  }
  const fold = (v: unknown) => (caseExact ? String(v) : String(v).toLowerCase());
  const a = fold(actual);
  const b = fold(expected);
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "co":
      return a.includes(b);
    case "sw":
      return a.startsWith(b);
    case "ew":
      return a.endsWith(b);
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    default:
      return a <= b;
  }
}
