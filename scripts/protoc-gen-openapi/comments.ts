// Proto comments → OpenAPI `summary` and `description`. The leading comment of an element is its
// documentation (the COMMENTS lint rule requires one); lint directives are not documentation.
import type { AnyDesc, DescFile } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";

export interface Doc {
  /** The first sentence of the first paragraph, on one line. */
  readonly summary: string | undefined;
  /** The whole comment, as Markdown (proto comments already read as Markdown). */
  readonly description: string | undefined;
}

const LINT_DIRECTIVE = /^\s*buf:lint:ignore\b/;
// A full stop followed by a capitalised word: "e.g. `x`" does not end a sentence.
const SENTENCE_END = /\.\s+(?=[A-Z])/;

export function docOf(desc: Exclude<AnyDesc, DescFile>): Doc {
  const lines = (getComments(desc).leading ?? "").split("\n").filter((line) => !LINT_DIRECTIVE.test(line));
  const text = dedent(lines).trim();
  if (text === "") return { summary: undefined, description: undefined };
  const firstParagraph = (text.split(/\n\s*\n/)[0] ?? "").replace(/\s*\n\s*/g, " ");
  const end = SENTENCE_END.exec(firstParagraph);
  return { summary: end ? firstParagraph.slice(0, end.index + 1) : firstParagraph, description: text };
}

/** Removes the indentation every line shares (usually the space after `//`). */
function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^\s*/.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common).trimEnd()).join("\n");
}
