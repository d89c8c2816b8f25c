// The whole OpenAPI document: one tag per service with REST routes, one path item per route
// template, and the components the operations refer to. Files, paths and components are sorted
// so that the output depends on the protos alone.
import type { DescFile } from "@bufbuild/protobuf";
import type { Annotations, ErrorStyle } from "./annotations.js";
import { restBindings } from "./bindings.js";
import { docOf } from "./comments.js";
import { errorResponseComponents } from "./error-responses.js";
import type { Document, HttpVerb, Operation, PathItem, Tag } from "./openapi-types.js";
import { operationOf } from "./operations.js";
import { SchemaCatalog } from "./schemas.js";
import { sortedObject } from "./sorted.js";

export interface DocumentInput {
  /** The files buf asked the plugin to generate for. */
  readonly files: readonly DescFile[];
  readonly annotations: Annotations;
  readonly info: Document["info"];
  /** Packages (and their sub-packages) left out of the document. */
  readonly excludedPackages: readonly string[];
}

const VERB_ORDER: readonly HttpVerb[] = ["get", "put", "post", "delete", "patch"];

export function buildDocument(input: DocumentInput): Document {
  const { annotations } = input;
  const catalog = new SchemaCatalog(annotations);
  const tags: Tag[] = [];
  const paths = new Map<string, Map<HttpVerb, Operation>>();
  const operationIds = new Set<string>();
  const styles = new Set<ErrorStyle>();

  const files = input.files.filter((file) => !isExcluded(file.proto.package, input.excludedPackages));
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const service of file.services) {
      const bindings = restBindings(service, annotations);
      if (bindings.length === 0) continue;
      const { description } = docOf(service);
      tags.push({ name: service.name, ...(description ? { description } : {}) });
      styles.add(annotations.errorStyle(service));
      for (const { binding, operationId } of bindings) {
        if (operationIds.has(operationId)) throw new Error(`operation id ${operationId} is used twice (services of the same name?)`);
        operationIds.add(operationId);
        const { path, verb, operation } = operationOf(binding, operationId, catalog, annotations);
        const item = paths.get(path) ?? new Map<HttpVerb, Operation>();
        if (item.has(verb)) throw new Error(`${verb.toUpperCase()} ${path} is bound twice (${operationId})`);
        paths.set(path, item.set(verb, operation));
      }
    }
  }

  return {
    openapi: "3.1.0",
    info: input.info,
    tags,
    paths: sortedObject([...paths].map(([path, item]) => [path, pathItem(item)] as const)),
    components: { schemas: catalog.schemas(), responses: sortedObject(errorResponseComponents(styles)) },
  };
}

function pathItem(operations: ReadonlyMap<HttpVerb, Operation>): PathItem {
  return Object.fromEntries(VERB_ORDER.flatMap((verb) => (operations.has(verb) ? [[verb, operations.get(verb)]] : [])));
}

function isExcluded(pkg: string, excluded: readonly string[]): boolean {
  return excluded.some((prefix) => pkg === prefix || pkg.startsWith(`${prefix}.`));
}
