// The documentation only sends readers to files that are in the repository (every `*.md` that
// README.md or a page of docs/ names exists, relative to the page or to the repository root), and
// its commands run as written.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** The Markdown files `text` names (in links or prose) that exist neither beside `page` nor from the root. */
export function missingReferences(page: string, text: string): string[] {
  const named = new Set(text.match(/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b/g) ?? []);
  return [...named].filter((name) => !existsSync(join(dirname(page), name)) && !existsSync(join(root, name)));
}

describe("the documentation", () => {
  it("names no Markdown file that is not in the repository", () => {
    const missing = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))].flatMap((page) =>
      missingReferences(page, readFileSync(page, "utf8")).map((name) => `${relative(root, page)}: ${name}`),
    );
    assert.deepEqual(missing, []);
  });

  it("gives buf commands as they run here: buf is a dev dependency, not on the PATH", () => {
    const bare = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))].flatMap((page) =>
      readFileSync(page, "utf8")
        .split("\n")
        .filter((line) => /(?<!npx )\bbuf curl\b/.test(line))
        .map((line) => `${relative(root, page)}: ${line.trim()}`),
    );
    assert.deepEqual(bare, []);
  });

  it("would notice a missing file", () => {
    assert.deepEqual(missingReferences(join(root, "docs", "oidc.md"), "see ROUTES.md and login-protocol.md"), ["ROUTES.md"]);
  });
});
