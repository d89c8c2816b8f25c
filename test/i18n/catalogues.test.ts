// The message catalogues (src/i18n/messages): every language has exactly English's messages, each
// one parses as ICU MessageFormat with the same arguments and tags as English, and every message
// is used by the code (a message the code names but the catalogue lacks does not compile:
// MessageKey is English's keys).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type MessageFormatElement, parse, TYPE } from "@formatjs/icu-messageformat-parser";
import { CATALOGUES } from "../../src/i18n/catalogues.js";
import { SUPPORTED_LOCALES } from "../../src/i18n/locales.js";

const SRC = join(import.meta.dirname, "..", "..", "src");
const english = CATALOGUES.en;

/** The argument and tag names of a message, whatever their kind (a language may need a plural where English has none). */
function namesOf(elements: MessageFormatElement[], names = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
    names.add(element.type === TYPE.tag ? `<${element.value}>` : element.value);
    if (element.type === TYPE.tag) namesOf(element.children, names);
    if (element.type === TYPE.select || element.type === TYPE.plural) {
      for (const option of Object.values(element.options)) namesOf(option.value, names);
    }
  }
  return names;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe("message catalogues", () => {
  for (const locale of SUPPORTED_LOCALES) {
    it(`${locale}: exactly English's messages, each with English's arguments`, () => {
      const catalogue = CATALOGUES[locale];
      const missing = Object.keys(english).filter((key) => !(key in catalogue));
      const extra = Object.keys(catalogue).filter((key) => !(key in english));
      assert.deepEqual(missing, [], `${locale} lacks messages`);
      assert.deepEqual(extra, [], `${locale} has messages English does not`);
      for (const [key, message] of Object.entries(catalogue)) {
        const expected = [...namesOf(parse(english[key as keyof typeof english]))].sort();
        assert.deepEqual([...namesOf(parse(message))].sort(), expected, `${locale} ${key}: arguments and tags`);
      }
    });
  }

  it("every message is used by the code", () => {
    const code = sourceFiles(SRC)
      .filter((path) => !path.includes(`${join("src", "i18n", "messages")}`))
      .map((path) => readFileSync(path, "utf8"))
      .join("\n");
    const unused = Object.keys(english).filter((key) => !code.includes(`"${key}"`));
    assert.deepEqual(unused, [], "messages no code names (remove them from every catalogue)");
  });
});
