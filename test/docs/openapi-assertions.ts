// Structural checks on an OpenAPI document shared by the tests: every reference resolves.
import assert from "node:assert/strict";

/** Every `$ref` in the document, with where it was found. */
export function references(value: unknown, at = "#"): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => references(item, `${at}/${index}`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" ? [{ ref: item, at }] : references(item, `${at}/${key}`),
  );
}

export function assertReferencesResolve(document: object): void {
  for (const { ref, at } of references(document)) {
    assert.match(ref, /^#\//, `${at}: only local references are expected`);
    const target = ref
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        document,
      );
    assert.ok(target !== undefined, `${at}: ${ref} does not resolve`);
  }
}
