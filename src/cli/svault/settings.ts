// The global options, and how a setting is chosen: the command line, then the environment
// (commander reads SVAULT_* into the same options), then the profile, then the default.
import { type Command, InvalidArgumentError, Option } from "commander";
import { readConfig, selectProfile } from "./profiles.js";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const DEFAULT_SERVER = "http://127.0.0.1:8081";
export const DEFAULT_HTTP_SERVER = "http://127.0.0.1:8080";

export interface Settings {
  readonly profileName: string;
  /** The gRPC listener. */
  readonly server: string;
  /** The HTTP/1.1 listener. */
  readonly httpServer: string;
  readonly apiKey: string | undefined;
  /** The default of every `tenant_id` the command line leaves unset. */
  readonly tenant: string | undefined;
  readonly connect: boolean;
  readonly caFile: string | undefined;
  readonly insecure: boolean;
  readonly timeoutMs: number;
  readonly output: OutputFormat;
}

interface GlobalOptions {
  profile?: string;
  server?: string;
  httpServer?: string;
  apiKey?: string;
  connect?: boolean;
  caFile?: string;
  insecure?: boolean;
  timeout: number;
  output: OutputFormat;
}

export function addGlobalOptions(program: Command): void {
  const seconds = (value: string) => {
    const n = Number(value);
    if (!(n > 0)) throw new InvalidArgumentError("expected a number of seconds > 0");
    return n;
  };
  program
    .addOption(new Option("--profile <name>", "the profile of the config file to use").env("SVAULT_PROFILE"))
    .addOption(new Option("--server <url>", `the service's gRPC listener (default: ${DEFAULT_SERVER})`).env("SVAULT_URL"))
    .addOption(
      new Option("--http-server <url>", `the service's HTTP/1.1 listener, for --connect and doctor (default: ${DEFAULT_HTTP_SERVER})`).env(
        "SVAULT_HTTP_URL",
      ),
    )
    .addOption(
      new Option("--api-key <key>", "the API key (prefer the environment or a profile: a command line is visible to others)").env(
        "SVAULT_API_KEY",
      ),
    )
    .addOption(new Option("--connect", "call the service with Connect over HTTP/1.1 (--http-server) instead of gRPC"))
    .addOption(new Option("--ca-file <pem>", "CA certificates that sign the gRPC listener's TLS certificate").env("SVAULT_CA_FILE"))
    .addOption(new Option("--insecure", "do not verify the gRPC listener's TLS certificate (testing only)"))
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .addOption(new Option("--timeout <seconds>", "give up on a call after this long").argParser(seconds).default(30));
}

/** The settings of a command; `newProfile`: the named profile need not exist yet (`svault login`). */
export function resolveSettings(command: Command, newProfile = false): Settings {
  const options = command.optsWithGlobals<GlobalOptions>();
  const config = readConfig();
  const { name, profile } =
    newProfile && options.profile !== undefined
      ? { name: options.profile, profile: config.profiles[options.profile] ?? {} }
      : selectProfile(config, options.profile);
  return {
    profileName: name,
    server: options.server ?? profile.server ?? DEFAULT_SERVER,
    httpServer: options.httpServer ?? profile.httpServer ?? DEFAULT_HTTP_SERVER,
    apiKey: options.apiKey ?? profile.apiKey,
    tenant: process.env.SVAULT_TENANT || profile.tenant,
    connect: options.connect ?? profile.connect ?? false,
    caFile: options.caFile ?? profile.caFile,
    insecure: options.insecure ?? profile.insecure ?? false,
    timeoutMs: options.timeout * 1000,
    output: options.output,
  };
}
