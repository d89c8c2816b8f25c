// The SDK (src/sdk) depends on nothing server-side (issue 15): its modules import only each
// other, the generated protocol types (gen/), and packages that run in a browser — no src module
// outside src/sdk, no `node:` module. Imports are read with the TypeScript parser, so a type-only
// import counts too (it would drag the server's types into an SDK user's build).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..", "..");
const SDK = join(ROOT, "src", "sdk");

/** The npm packages the SDK may use: each runs in a browser as in Node. */
const BROWSER_PACKAGES = new Set(["jose", "@connectrpc/connect", "@serenity-kit/opaque", "@bufbuild/protobuf"]);

function sdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sdkFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) specifiers.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Why an import of an SDK module is not allowed, or undefined. */
function refusal(file: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) {
    const target = relative(ROOT, resolve(dirname(file), specifier));
    return target.startsWith("src/sdk/") || target.startsWith("gen/") ? undefined : `reaches ${target}`;
  }
  if (specifier.startsWith("node:")) return "a Node module";
  const pkg = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string);
  return BROWSER_PACKAGES.has(pkg) ? undefined : `package ${pkg} is not among the SDK's browser packages`;
}

describe("the SDK depends on nothing server-side", () => {
  it("imports only SDK modules, generated types and browser packages", () => {
    const found = sdkFiles(SDK).flatMap((file) =>
      importsOf(file).flatMap((specifier) => {
        const why = refusal(file, specifier);
        return why ? [`${relative(ROOT, file)}: ${specifier} (${why})`] : [];
      }),
    );
    assert.deepEqual(found, []);
  });

  it("the check refuses what it must", () => {
    const file = join(SDK, "identity.ts");
    assert.match(refusal(file, "../domain/users/identity-normalization.js") ?? "", /src\/domain/);
    assert.match(refusal(file, "../persistence/unit-of-work.js") ?? "", /src\/persistence/);
    assert.match(refusal(file, "node:crypto") ?? "", /Node/);
    assert.match(refusal(file, "fastify") ?? "", /fastify/);
    assert.equal(refusal(file, "./errors.js"), undefined);
    assert.equal(refusal(file, "../../gen/svault/auth/v1/auth_service_pb.js"), undefined);
  });
});
