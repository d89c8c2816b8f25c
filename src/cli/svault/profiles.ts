// Named connection profiles in the user's config directory: $XDG_CONFIG_HOME/svault/config.json
// (~/.config/svault/config.json by default). The file holds API keys, so it is written with mode
// 0600 in a 0700 directory, and re-restricted if someone loosened it.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { usageError } from "./exit-codes.js";

export interface Profile {
  /** The gRPC listener (GRPC_PORT), e.g. `http://localhost:8081`. */
  readonly server?: string;
  /** The HTTP/1.1 listener (PORT), e.g. `http://localhost:8080`. */
  readonly httpServer?: string;
  readonly apiKey?: string;
  /** The default `tenant_id` of commands. */
  readonly tenant?: string;
  /** Use Connect over HTTP/1.1 instead of gRPC. */
  readonly connect?: boolean;
  /** A PEM file of CAs that sign the gRPC listener's certificate. */
  readonly caFile?: string;
  /** Do not verify the gRPC listener's certificate. */
  readonly insecure?: boolean;
}

export interface ConfigFile {
  /** The profile used when none is named. */
  readonly current?: string;
  readonly profiles: Readonly<Record<string, Profile>>;
}

export const DEFAULT_PROFILE = "default";

/** Where the config file is, as help text says it (the help must not depend on who reads it). */
export const CONFIG_FILE_HELP = "$XDG_CONFIG_HOME/svault/config.json (default ~/.config/svault/config.json)";

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "svault", "config.json");
}

export function readConfig(path = configPath()): ConfigFile {
  if (!existsSync(path)) return { profiles: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw usageError(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`);
  }
  const profiles = (parsed as { profiles?: unknown }).profiles;
  if (typeof parsed !== "object" || parsed === null || typeof profiles !== "object" || profiles === null) {
    throw usageError(`${path} has no "profiles" object; fix or remove it`);
  }
  return parsed as ConfigFile;
}

export function writeConfig(config: ConfigFile, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written aside and renamed, so that an interrupted write never leaves half a file; the mode is
  // set on creation, so the keys are never readable by others, not even for a moment.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The profile to use: the named one (which must exist), else the current one, else none. */
export function selectProfile(config: ConfigFile, name: string | undefined): { name: string; profile: Profile } {
  if (name !== undefined) {
    const profile = config.profiles[name];
    if (!profile) throw usageError(`no profile "${name}" in ${configPath()} (known: ${Object.keys(config.profiles).join(", ") || "none"})`);
    return { name, profile };
  }
  const current = config.current ?? DEFAULT_PROFILE;
  return { name: current, profile: config.profiles[current] ?? {} };
}
