// Reads the deployment files (YAML, possibly several documents per file), failing on any YAML
// error rather than validating half a file.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export const REPO = new URL("../../", import.meta.url);

export function yamlDocuments(path: string): Record<string, unknown>[] {
  const documents = parseAllDocuments(readFileSync(new URL(path, REPO), "utf8"));
  if (!Array.isArray(documents)) throw new Error(`${path}: no YAML documents`);
  return documents.map((document, index) => {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${path}#${index}: ${problems.map((p) => p.message).join("; ")}`);
    return document.toJS() as Record<string, unknown>;
  });
}
