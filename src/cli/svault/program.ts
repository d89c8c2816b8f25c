// The whole `svault` command tree: the global options, one group per admin service (derived from
// the descriptors), the commands that need more than one RPC (users import/export, doctor,
// login), and shell completion (@bomb.sh/tab, from the same tree).
import tab from "@bomb.sh/tab/commander";
import { Command } from "commander";
import { COMMAND_GROUPS, type CommandGroup, commandSpecs } from "./command-groups.js";
import { doctorCommand } from "./doctor.js";
import { EXIT_CODE_HELP } from "./exit-codes.js";
import { examplesText, setExamples } from "./examples.js";
import { loginCommand, logoutCommand, profilesCommand } from "./profile-commands.js";
import { commentOf } from "./proto-help.js";
import { rpcCommand } from "./rpc-command.js";
import { addGlobalOptions } from "./settings.js";
import { usersExportCommand } from "./users-export.js";
import { usersImportCommand } from "./users-import.js";
import { CLI_VERSION } from "./version.js";

/** Commands of a group beyond its service's RPCs. */
const EXTRA_COMMANDS: Readonly<Record<string, readonly (() => Command)[]>> = {
  users: [usersImportCommand, usersExportCommand],
};

const ENVIRONMENT_HELP = `Configuration (first found wins): the options above, then SVAULT_URL, SVAULT_HTTP_URL,
SVAULT_API_KEY, SVAULT_CA_FILE, SVAULT_PROFILE, then the profile (svault login), then the defaults.
SVAULT_TENANT (else the profile's tenant) is the default of every --tenant-id.`;

export function buildProgram(): Command {
  const program = new Command("svault")
    .description("Administers a Secrets Vault OIDC service over its gRPC (or Connect) API.")
    .version(CLI_VERSION)
    .showSuggestionAfterError();
  addGlobalOptions(program);
  const groups = new Map<string, Command>();
  for (const group of COMMAND_GROUPS) {
    const command = groupCommand(group);
    // A nested group (`scim users`) follows its parent in COMMAND_GROUPS.
    const parent = group.under === undefined ? program : groups.get(group.under);
    if (!parent) throw new Error(`command group ${group.name} is under ${group.under}, which is not before it`);
    parent.addCommand(command);
    if (group.under === undefined) groups.set(group.name, command);
  }
  program.addCommand(doctorCommand()).addCommand(loginCommand()).addCommand(logoutCommand()).addCommand(profilesCommand());
  program.addHelpText("after", `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODE_HELP}\n`);
  setExamples(program, ["svault login --api-key-stdin < key.txt", "svault tenants list", "svault users list --tenant-id acme -o json"]);

  const completions = tab(program, { completionCommandName: "completion" });
  // The completion protocol is one line per candidate: offer the one-line summaries, not the
  // descriptions (many of which are the RPCs' whole comments).
  for (const command of visibleCommands(program).slice(1)) {
    const entry = completions.commands.get(pathOf(command).join(" "));
    if (entry) entry.description = command.summary() || command.description().split("\n")[0] || "";
  }
  const completion = program.commands.find((command) => command.name() === "completion");
  if (completion) {
    completion.description(
      "Prints the shell completion script of bash, zsh, fish or powershell; it calls `svault complete` (svault must be on the PATH).",
    );
    setExamples(completion, ["source <(svault completion bash)", "svault completion fish > ~/.config/fish/completions/svault.fish"]);
  }
  forEachCommand(program, (command) => command.exitOverride());
  return program;
}

function groupCommand(group: CommandGroup): Command {
  const summary = group.summary ?? commentOf(group.service)?.summary ?? "";
  // A group of some of a service's methods is what its own summary says, not what the service is.
  const description = (group.only && group.summary) || (commentOf(group.service)?.description ?? summary);
  const command = new Command(group.name).summary(summary).description(description);
  for (const spec of commandSpecs(group)) command.addCommand(rpcCommand(spec));
  for (const extra of EXTRA_COMMANDS[group.name] ?? []) command.addCommand(extra());
  // A group's examples: those of its first two commands.
  const examples = command.commands.slice(0, 2).flatMap((sub) =>
    examplesText(sub)
      .split("\n")
      .filter((line) => line.startsWith("  $ ")),
  );
  return setExamples(
    command,
    examples.map((line) => line.slice(4)),
  );
}

/** Every command of the tree that is not hidden, the root first. */
export function visibleCommands(program: Command): Command[] {
  const all: Command[] = [];
  const visit = (command: Command) => {
    all.push(command);
    for (const sub of command.createHelp().visibleCommands(command)) if (sub.name() !== "help") visit(sub);
  };
  visit(program);
  return all;
}

/** The command's words after `svault`: ["users", "list"]. */
export function pathOf(command: Command): string[] {
  const words: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) words.unshift(at.name());
  return words;
}

export function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}
