// What needs no server: docs/cli.md's command reference is the CLI's current help, every command
// has help with an example that the CLI accepts, and shell completion works from the same tree.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { examplesText } from "../../src/cli/svault/examples.js";
import { buildProgram, forEachCommand, pathOf, visibleCommands } from "../../src/cli/svault/program.js";
import { withReference } from "../../src/cli/svault/reference.js";
import { runCli } from "./run-cli.js";

describe("svault help and reference", () => {
  it("docs/cli.md has the current command reference (npm run -s docs:cli)", () => {
    const document = readFileSync(new URL("../../docs/cli.md", import.meta.url), "utf8");
    assert.equal(withReference(document), document, "docs/cli.md is stale: run `npm run -s docs:cli`");
  });

  it("every command's --help ends with an example", async () => {
    const commands = visibleCommands(buildProgram());
    assert.ok(commands.length > 40);
    for (const command of commands) assert.match(examplesText(command), /\n {2}\$ .*\bsvault /, `svault ${pathOf(command).join(" ")}`);
    const help = await runCli(["users", "import", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: svault users import \[options\] <file>/);
    assert.match(help.stdout, /Examples:\n {2}\$ svault users import people\.csv --tenant-id acme/);
  });

  it("every example is a command line the CLI accepts", async () => {
    const program = buildProgram();
    const ran: string[] = [];
    forEachCommand(program, (command: Command) => {
      command.action(() => {
        ran.push(pathOf(command).join(" "));
      });
      command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    });
    const examples = visibleCommands(program).flatMap((command) =>
      examplesText(command)
        .split("\n")
        .filter((line) => line.startsWith("  $ "))
        .flatMap((line) => svaultInvocations(line.slice(4))),
    );
    for (const words of new Set(examples.map((words) => JSON.stringify(words)))) {
      const argv = JSON.parse(words) as string[];
      await assert.doesNotReject(program.parseAsync(argv, { from: "user" }), `svault ${argv.join(" ")}`);
    }
    assert.ok(ran.includes("tenants create") && ran.includes("users import"));
  });
});

describe("svault completion", () => {
  it("prints bash, zsh and fish scripts that call back `svault complete`", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const script = await runCli(["completion", shell]);
      assert.equal(script.code, 0, script.stderr);
      assert.match(script.stdout, /svault complete --/, shell);
      if (shell === "bash") execFileSync("bash", ["-n"], { input: script.stdout });
    }
    const unknown = await runCli(["completion", "tcsh"]);
    assert.equal(unknown.code, 2);
  });

  it("completes commands, options and their allowed values from the command tree", async () => {
    const candidates = async (...words: string[]) =>
      (await runCli(["complete", "--", ...words])).stdout
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith(":"))
        .map((line) => line.split("\t")[0]);
    const [groups, users, sortBy, nested] = await Promise.all([
      candidates("us"),
      candidates("users", ""),
      candidates("users", "list", "--sort-by", ""),
      candidates("tenants", "update", "acme", "--block-config.w"),
    ]);
    assert.deepEqual(groups, ["users"]);
    assert.ok(users.includes("import") && users.includes("export") && users.includes("get-by-name"), users.join(" "));
    assert.deepEqual(sortBy, ["created_at", "username", "email"]);
    assert.deepEqual(nested, ["--block-config.window-seconds"]);
  });
});

/** The `svault …` commands of an example line (`a | svault b && svault c > file`), as words. */
function svaultInvocations(line: string): string[][] {
  return line
    .replace(/\s[<>]\s*\S+/g, "")
    .split(/\s*(?:\||&&)\s*/)
    .map(words)
    .map((argv) => argv.slice(argv.indexOf("svault")))
    .filter((argv) => argv[0] === "svault")
    .map((argv) => argv.slice(1));
}

/** Shell words, with single- and double-quoted parts. */
function words(text: string): string[] {
  return [...text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? "");
}
