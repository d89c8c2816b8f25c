// A resource as a client sent it (POST, PUT, or the result of a PATCH), brought to the schema's
// form: attribute names in their canonical spelling (SCIM names are case-insensitive), booleans
// that Entra ID sends as "True"/"False" strings made booleans, a single object for a
// multi-valued attribute made a list, nulls dropped (RFC 7643 §2.5: unassigned). Read-only
// attributes (id, meta, groups) and `password` are left out; attributes of no schema are
// ignored, except extension objects under a `urn:` key, kept as given. A value of the wrong type
// is `invalidValue`.
import { scimBadRequest } from "./scim-errors.js";
import { type AttributeDef, COMMON_ATTRIBUTES, extensionNamed, type ResourceSchema } from "./scim-schema.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(path: string, expected: string) {
  return scimBadRequest("invalidValue", `${path}: expected ${expected}`);
}

function find(attributes: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return attributes?.find((a) => a.name.toLowerCase() === lower);
}

/** Entra ID's "True"/"False" (and any case of them) are booleans. */
export function coerceBoolean(value: unknown): unknown {
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return value;
}

function scalar(def: AttributeDef, value: unknown, path: string): unknown {
  switch (def.type) {
    case "boolean": {
      const coerced = coerceBoolean(value);
      if (typeof coerced !== "boolean") throw invalid(path, "a boolean");
      return coerced;
    }
    case "integer":
    case "decimal":
      if (typeof value !== "number") throw invalid(path, "a number");
      return value;
    default:
      if (typeof value !== "string") throw invalid(path, "a string");
      return value;
  }
}

function complex(def: AttributeDef, value: unknown, path: string): JsonObject | undefined {
  if (!isObject(value)) throw invalid(path, "an object");
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = find(def.subAttributes, key);
    if (!sub || item === null || item === undefined) continue;
    out[sub.name] = scalar(sub, item, `${path}.${sub.name}`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function attributeValue(def: AttributeDef, value: unknown, path: string): unknown {
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const out = items
      .filter((item) => item !== null && item !== undefined)
      .map((item, index) => (def.type === "complex" ? complex(def, item, `${path}[${index}]`) : scalar(def, item, `${path}[${index}]`)))
      .filter((item) => item !== undefined);
    return out.length > 0 ? out : undefined;
  }
  return def.type === "complex" ? complex(def, value, path) : scalar(def, value, path);
}

function attributes(defs: readonly AttributeDef[], value: JsonObject, prefix: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const def = find(defs, key);
    if (!def || def.mutability === "readOnly" || def.mutability === "writeOnly" || item === null || item === undefined) continue;
    const converted = attributeValue(def, item, `${prefix}${def.name}`);
    if (converted !== undefined) out[def.name] = converted;
  }
  return out;
}

/** The writable attributes of `input` in canonical form (core attributes, then extensions by URN). */
export function canonicalize(resource: ResourceSchema, input: JsonObject): JsonObject {
  const out = attributes([...COMMON_ATTRIBUTES, ...resource.core.attributes], input, "");
  for (const [key, item] of Object.entries(input)) {
    if (!key.toLowerCase().startsWith("urn:") || item === null || item === undefined) continue;
    const extension = extensionNamed(resource, key);
    if (extension) {
      if (!isObject(item)) throw invalid(key, "an object");
      const converted = attributes(extension.attributes, item, `${extension.id}:`);
      if (Object.keys(converted).length > 0) out[extension.id] = converted;
    } else if (isObject(item) && key.toLowerCase() !== resource.core.id.toLowerCase()) {
      // An extension of the client's own (Entra's custom attributes): kept as given.
      out[key] = item;
    }
  }
  return out;
}
