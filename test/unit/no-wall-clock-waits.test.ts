// No test waits for wall-clock time to pass (issue 14): a fixed delay is too short on a loaded
// machine and needlessly long everywhere else. A test waits for the event itself
// (test/support/until.ts, `TestServer.settled()`, a fixture's promise) or moves the server's
// injected clock on (docs/operations.md, "Tests"). This finds, with the TypeScript parser (so that
// comments and SQL's pg_sleep are not flagged), every call in test/ that waits for a delay:
// setTimeout / setInterval with a delay (globals, or imported from node:timers[/promises] under
// any name), any `sleep(…)`, and Playwright's `waitForTimeout`.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..", "..");
const TESTS = join(ROOT, "test");

/**
 * Files allowed a delay, each with why the delay itself is what is tested. Empty today; an entry
 * whose file no longer has a delay fails the test, so that the list stays true.
 */
const JUSTIFIED: ReadonlyMap<string, string> = new Map<string, string>([]);

const TIMER_NAMES = new Set(["setTimeout", "setInterval"]);
const TIMER_MODULES = new Set(["timers", "node:timers", "timers/promises", "node:timers/promises"]);

interface Finding {
  readonly line: number;
  readonly what: string;
}

/** `0`, `0n` or no argument: a turn of the event loop, not a wait. */
function isDelay(argument: ts.Expression | undefined): boolean {
  if (argument === undefined) return false;
  return !(ts.isNumericLiteral(argument) && Number(argument.text) === 0);
}

/** The calls of `text` (TypeScript or JavaScript) that wait for a delay. */
function delaysIn(fileName: string, text: string): Finding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  // Local names of node:timers/promises' timers (their delay is the first argument) and of
  // node:timers' (the second, as the globals'); namespace imports of either.
  const promiseTimers = new Set<string>();
  const callbackTimers = new Set<string>();
  const promiseNamespaces = new Set<string>();
  const callbackNamespaces = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const module = statement.moduleSpecifier.text;
    if (!TIMER_MODULES.has(module)) continue;
    const promises = module.endsWith("/promises");
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) (promises ? promiseNamespaces : callbackNamespaces).add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (TIMER_NAMES.has((element.propertyName ?? element.name).text)) {
          (promises ? promiseTimers : callbackTimers).add(element.name.text);
        }
      }
    }
  }
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      const owner = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : undefined;
      const [first, second] = node.arguments;
      let waits = false;
      if (name === "sleep" || name === "waitForTimeout") waits = true;
      else if (ts.isIdentifier(callee) && promiseTimers.has(name ?? "")) waits = isDelay(first);
      else if (owner !== undefined && promiseNamespaces.has(owner) && TIMER_NAMES.has(name ?? "")) waits = isDelay(first);
      else if (ts.isIdentifier(callee) && (TIMER_NAMES.has(name ?? "") || callbackTimers.has(name ?? ""))) waits = isDelay(second);
      else if (
        owner !== undefined &&
        (owner === "globalThis" || owner === "window" || callbackNamespaces.has(owner)) &&
        TIMER_NAMES.has(name ?? "")
      ) {
        waits = isDelay(second);
      }
      if (waits) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        findings.push({ line, what: node.getText(source).split("\n")[0] ?? "" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe("waits in tests", () => {
  it("finds every way of waiting for a delay, and nothing else", () => {
    const sample = [
      'import { setTimeout as pause } from "node:timers/promises";',
      'import * as timers from "node:timers/promises";',
      'import { setInterval as every } from "node:timers";',
      "await new Promise((resolve) => setTimeout(resolve, 25));", // 4
      "await pause(1100);", // 5
      "await timers.setTimeout(10);", // 6
      "every(() => {}, 50);", // 7
      "setInterval(poll, 100);", // 8
      "await sleep(300);", // 9
      "await helpers.sleep(300);", // 10
      "await page.waitForTimeout(400);", // 11
      "globalThis.setTimeout(done, 5);", // 12
      // Not waits: a turn of the loop, the next event, SQL, comments, clearing a timer.
      "setTimeout(next); setTimeout(next, 0); await pause(); await timers.setImmediate();",
      'await db.query("select pg_sleep(1)"); // setTimeout(resolve, 25)',
      "clearTimeout(timer); await once(server, 'listening');",
    ].join("\n");
    assert.deepEqual(
      delaysIn("sample.ts", sample).map((finding) => finding.line),
      [4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
  });

  it("no test file waits for the wall clock (a justified exception says why)", () => {
    const found = new Map<string, Finding[]>();
    for (const path of testFiles(TESTS)) {
      const findings = delaysIn(path, readFileSync(path, "utf8"));
      if (findings.length > 0) found.set(relative(ROOT, path), findings);
    }
    const unjustified = [...found].filter(([file]) => !JUSTIFIED.has(file));
    assert.deepEqual(
      unjustified.flatMap(([file, findings]) => findings.map((f) => `${file}:${f.line}: ${f.what}`)),
      [],
      "wait for the event (test/support/until.ts, TestServer.settled()) or move the injected clock instead",
    );
    const stale = [...JUSTIFIED.keys()].filter((file) => !found.has(file));
    assert.deepEqual(stale, [], "exceptions whose file no longer waits: remove them");
  });
});
