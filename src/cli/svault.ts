// `svault`: the admin CLI (docs/cli.md). Runs the command, prints a failure as one line on
// standard error, and exits with the code the failure means (exit-codes.ts).
import { CommanderError } from "commander";
import { describeError, ExitCode, exitCodeOf } from "./svault/exit-codes.js";
import { buildProgram } from "./svault/program.js";

let code: number = ExitCode.ok;
try {
  await buildProgram().parseAsync(process.argv);
  code = Number(process.exitCode ?? ExitCode.ok);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    code = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.stderr.write(`error: ${describeError(error)}\n`);
    code = exitCodeOf(error);
  }
}
// An open HTTP/2 session or keep-alive socket must not keep a finished command waiting; standard
// output is flushed first, since a pipe may still hold what the command wrote.
process.stdout.write("", () => process.exit(code));
