// Validation of Kubernetes manifests without a cluster, in two passes over the schemas that
// kubernetes-models ships (generated from the Kubernetes 1.30 OpenAPI document):
//   - its JSON-schema validators: required fields, types, formats (quantities, int-or-string),
//     enumerations;
//   - its TypeScript interfaces, through the TypeScript compiler: an object literal of a declared
//     type may have no property the type lacks, so a misspelt or misplaced field (`readinesProbe`,
//     `port` beside `httpGet`) is an error, as with kubectl's strict field validation, which the
//     JSON schemas (open to unknown properties) do not catch.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly body: { readonly apiVersion: string; readonly kind: string } & Record<string, unknown>;
}

/** kubernetes-models' module for an apiVersion: `apps/v1` → `kubernetes-models/apps/v1`, `v1` → `kubernetes-models/v1`. */
const moduleOf = (apiVersion: string) => `kubernetes-models/${apiVersion}`;

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The JSON-schema errors of each manifest, as "file#index: message"; empty when all are valid. */
export async function schemaErrors(manifests: readonly Manifest[]): Promise<string[]> {
  const errors: string[] = [];
  for (const { file, index, body } of manifests) {
    const where = `${file}#${index} (${body.kind})`;
    let model: ModelClass | undefined;
    try {
      model = ((await import(moduleOf(body.apiVersion))) as Record<string, ModelClass>)[body.kind];
    } catch {
      // an unknown apiVersion: reported below
    }
    if (!model) {
      errors.push(`${where}: no schema for ${body.apiVersion} ${body.kind}`);
      continue;
    }
    try {
      new model(body).validate();
    } catch (error) {
      errors.push(`${where}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/** The TypeScript compiler's errors for the manifests typed as their kinds' interfaces. */
export function typeErrors(manifests: readonly Manifest[]): string[] {
  // Resolved from here, so that the compiler finds kubernetes-models in the project's node_modules.
  const source = join(dirname(fileURLToPath(import.meta.url)), "__manifests__.ts");
  const lines: string[] = [];
  const starts: { line: number; where: string }[] = [];
  manifests.forEach(({ body }, n) => {
    lines.push(`import type { I${body.kind} as T${n} } from "${moduleOf(body.apiVersion)}";`);
  });
  manifests.forEach(({ file, index, body }, n) => {
    starts.push({ line: lines.length, where: `${file}#${index} (${body.kind})` });
    lines.push(...`export const m${n}: T${n} = ${JSON.stringify(body, null, 1)};`.split("\n"));
  });
  const text = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    // The manifests need no DOM or Node types: the bare language library loads fastest.
    lib: ["lib.es2022.d.ts"],
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === source ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === source || fileExists(name);
  const program = ts.createProgram({ rootNames: [source], options, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (diagnostic.file?.fileName !== source || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const doc = starts.filter((s) => s.line <= line).at(-1);
    return `${doc?.where ?? "imports"}: ${message}`;
  });
}
