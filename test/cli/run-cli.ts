// Runs the `svault` CLI as a child process, the way an operator does — its production build
// (`node <build>/src/cli/svault.js …`, app-build.ts), which starts for half the CPU that tsx
// takes — with a private config directory and no SVAULT_* variables but the ones a test passes.
// (`src/cli/bin.mjs`, the TypeScript run through tsx, is test/cli/bin.test.ts's.)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { compiledEntry } from "../support/app-build.js";
import { tempDir } from "../support/temp-dir.js";
import type { TestServer } from "../support/test-server.js";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string>;
  /** Written to standard input (which is otherwise empty). */
  readonly input?: string;
}

/** The command line that starts the CLI (before its arguments). */
export function cliCommand(): string[] {
  return [compiledEntry("src/cli/svault.ts")];
}

/** A config directory of its own (XDG_CONFIG_HOME), so that no test reads another's profiles. */
export function configHome(): string {
  return tempDir("cli-config");
}

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SVAULT_")));
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    env: { ...inherited, XDG_CONFIG_HOME: configHome(), ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? "");
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** The environment that points the CLI at `server` with its super-admin key. */
export function serverEnv(server: TestServer, key = server.adminKey): Record<string, string> {
  return { SVAULT_URL: server.grpcUrl, SVAULT_HTTP_URL: server.baseUrl, SVAULT_API_KEY: key };
}

/** Runs the CLI against `server` and parses its JSON output; fails with the CLI's error otherwise. */
export async function cliJson<T = Record<string, unknown>>(
  server: TestServer,
  args: readonly string[],
  options: CliOptions = {},
): Promise<T> {
  const result = await runCli([...args, "--output", "json"], { ...options, env: { ...serverEnv(server), ...options.env } });
  if (result.code !== 0) throw new Error(`svault ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
