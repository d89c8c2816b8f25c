// Every command's `--help` ends with examples; they are kept per command so that the reference
// (docs/cli.md) shows the same ones.
import type { Command } from "commander";

const examplesOf = new WeakMap<Command, readonly string[]>();

export function setExamples(command: Command, examples: readonly string[]): Command {
  examplesOf.set(command, examples);
  command.addHelpText("after", () => examplesText(command));
  return command;
}

export function examplesText(command: Command): string {
  const examples = examplesOf.get(command) ?? [];
  if (examples.length === 0) return "";
  return `\n${examples.length === 1 ? "Example" : "Examples"}:\n${examples.map((example) => `  $ ${example}`).join("\n")}\n`;
}

export function hasExamples(command: Command): boolean {
  return (examplesOf.get(command)?.length ?? 0) > 0;
}
