// `attributes` and `excludedAttributes` (RFC 7644 §3.9, §3.4.2.5): which attributes an answer
// carries. `id` and `schemas` are always returned. Names resolve against the resource's schema
// (case-insensitive, optionally URN-qualified); names of no attribute select nothing.
import { isObject, type JsonObject } from "./scim-canonical.js";
import { type ResourceSchema, resolveAttribute } from "./scim-schema.js";

interface Selected {
  /** undefined: the core schema; else the extension's URN (the key holding its attributes). */
  readonly container: string | undefined;
  readonly name: string;
  readonly sub: string | undefined;
}

export interface Projection {
  readonly include: readonly Selected[] | undefined;
  readonly exclude: readonly Selected[];
}

const ALWAYS = new Set(["id", "schemas"]);

function selection(resource: ResourceSchema, list: string): Selected[] {
  const selected: Selected[] = [];
  for (const raw of list.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    const resolved = resolveAttribute(resource, name);
    if (resolved) selected.push({ container: resolved.extension, name: resolved.attribute.name, sub: resolved.sub?.name });
  }
  return selected;
}

export function projectionOf(resource: ResourceSchema, attributes: string, excludedAttributes: string): Projection {
  return {
    include: attributes.trim() === "" ? undefined : selection(resource, attributes),
    exclude: selection(resource, excludedAttributes),
  };
}

/** Whether the answer carries the core attribute `name` (so that it is worth loading: a group's members). */
export function carries(projection: Projection, name: string): boolean {
  if (projection.exclude.some((s) => s.container === undefined && s.name === name && s.sub === undefined)) return false;
  return projection.include === undefined || projection.include.some((s) => s.container === undefined && s.name === name);
}

function pick(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) return value.filter(isObject).map((element) => (sub in element ? { [sub]: element[sub] } : {}));
  return isObject(value) && sub in value ? { [sub]: value[sub] } : undefined;
}

function omit(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) return value.map((element) => (isObject(element) ? without(element, sub) : element));
  return isObject(value) ? without(value, sub) : value;
}

function without(object: JsonObject, key: string): JsonObject {
  const { [key]: _, ...rest } = object;
  return rest;
}

export function project(resource: JsonObject, projection: Projection): JsonObject {
  if (projection.include === undefined && projection.exclude.length === 0) return resource;
  let out: JsonObject;
  if (projection.include) {
    out = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    for (const { container, name, sub } of projection.include) {
      const source = container === undefined ? resource : resource[container];
      if (!isObject(source) || !(name in source)) continue;
      const value = sub === undefined ? source[name] : pick(source[name], sub);
      if (value === undefined) continue;
      if (container === undefined) {
        out[name] = value;
      } else {
        const extension = isObject(out[container]) ? out[container] : {};
        extension[name] = value;
        out[container] = extension;
      }
    }
  } else {
    out = structuredClone(resource);
  }
  for (const { container, name, sub } of projection.exclude) {
    const target = container === undefined ? out : out[container];
    if (!isObject(target) || ALWAYS.has(name)) continue;
    if (sub === undefined) delete target[name];
    else target[name] = omit(target[name], sub);
  }
  return out;
}
