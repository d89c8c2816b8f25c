// The path and query parameters of one REST binding, as the REST gateway reads them
// (src/transcoding/request-decoder.ts): path variables by their dotted field path; and, unless
// the body is `*`, every other field that one string can set, nested ones by dotted names.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { resolveFieldPath, type HttpBinding } from "../../src/transcoding/binding.js";
import type { UnsetOptional } from "../../src/transcoding/unset-optional.js";
import type { Annotations } from "./annotations.js";
import { docOf } from "./comments.js";
import type { Parameter } from "./openapi-types.js";
import type { SchemaCatalog } from "./schemas.js";
import { hasStringForm } from "./well-known-types.js";

export function pathParameters(
  binding: HttpBinding,
  catalog: SchemaCatalog,
  segmentPatterns: ReadonlyMap<string, string>,
  unset: UnsetOptional,
): Parameter[] {
  return binding.variables.map((variable) => {
    const name = variable.fieldPath.join(".");
    const field = resolveFieldPath(binding.method.input, variable.fieldPath)?.at(-1);
    // compileBinding has checked every variable against the request message.
    if (!field) throw new Error(`${binding.template}: {${name}} is not a request field`);
    const pattern = segmentPatterns.get(name);
    const description = [docOf(field).description, pattern && `Spans the path segments \`${pattern}\`.`].filter(Boolean).join("\n\n");
    return { name, in: "path", ...(description ? { description } : {}), required: true, schema: catalog.value(field, unset) };
  });
}

export function queryParameters(binding: HttpBinding, catalog: SchemaCatalog, annotations: Annotations, unset: UnsetOptional): Parameter[] {
  if (binding.body === "*") return [];
  // A field the path or the body sets is not read from the query (nor is anything inside it).
  const bound = new Set([...binding.variables.map((v) => v.fieldPath.join(".")), ...(binding.body ? [binding.body.name] : [])]);
  const parameters: Parameter[] = [];

  const visit = (message: DescMessage, prefix: readonly string[], ancestors: ReadonlySet<string>): void => {
    for (const field of message.fields) {
      const path = [...prefix, field.name];
      const name = path.join(".");
      if (bound.has(name)) continue;
      const nested = nestedMessage(field);
      if (nested) {
        // A recursive type would give endless names; its first level is documented.
        if (!ancestors.has(nested.typeName)) visit(nested, path, new Set([...ancestors, nested.typeName]));
      } else if (isStringSettable(field)) {
        const { description } = docOf(field);
        parameters.push({
          name,
          in: "query",
          ...(description ? { description } : {}),
          ...(annotations.fieldRules(field)?.required ? { required: true } : {}),
          ...(field.deprecated ? { deprecated: true } : {}),
          schema: catalog.value(field, unset),
        });
      }
    }
  };
  visit(binding.method.input, [], new Set([binding.method.input.typeName]));
  return parameters;
}

/** A singular message field addressed through its own fields (`origin.country`). */
function nestedMessage(field: DescField): DescMessage | undefined {
  return field.fieldKind === "message" && !hasStringForm(field.message) ? field.message : undefined;
}

/** Scalars, enums, well-known types with a string form, and lists of those; never maps. */
function isStringSettable(field: DescField): boolean {
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      return true;
    case "message":
      return hasStringForm(field.message);
    case "list":
      return field.listKind !== "message" || hasStringForm(field.message);
    case "map":
      return false;
  }
}
