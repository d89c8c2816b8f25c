// `svault login`, `logout` and `profiles`: named profiles in the config file. Login checks the key
// against the service before storing it, and never prints it.
import { readFileSync } from "node:fs";
import { createClient } from "@connectrpc/connect";
import { Command, Option } from "commander";
import { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { openEndpoint, requireApiKey } from "./connection.js";
import { usageError } from "./exit-codes.js";
import { setExamples } from "./examples.js";
import { render } from "./output.js";
import { CONFIG_FILE_HELP, configPath, type Profile, readConfig, writeConfig } from "./profiles.js";
import { resolveSettings } from "./settings.js";

interface LoginOptions {
  apiKeyStdin?: boolean;
  tenantId?: string;
}

export function loginCommand(): Command {
  const command = new Command("login")
    .summary("Checks an API key and stores it with the server's address in a profile")
    .description(
      "Checks the API key against the service (Get Current User), then stores it with the server's addresses and TLS " +
        `options as a profile (--profile, default "default") in ${CONFIG_FILE_HELP} (mode 0600), and makes that profile the ` +
        "current one. The key is never printed. Give it on standard input (--api-key-stdin), in SVAULT_API_KEY, or " +
        "with --api-key (visible to other users of the machine while the command runs).",
    )
    .addOption(new Option("--api-key-stdin", "read the API key from the first line of standard input"))
    .addOption(new Option("--tenant-id <string>", "the profile's default tenant (default: the key's own)"))
    .action(async (options: LoginOptions, self: Command) => {
      const entered = options.apiKeyStdin ? firstLineOfStdin() : undefined;
      const base = resolveSettings(self, true);
      const settings = entered ? { ...base, apiKey: entered } : base;
      requireApiKey(settings);
      const endpoint = openEndpoint(settings);
      let user: { username: string; tenantId: string } | undefined;
      try {
        user = (await createClient(UserService, endpoint.transport).getCurrentUser({})).user;
      } finally {
        endpoint.close();
      }
      const profile: Profile = {
        server: settings.server,
        httpServer: settings.httpServer,
        apiKey: settings.apiKey,
        tenant: options.tenantId ?? user?.tenantId,
        ...(settings.connect ? { connect: true } : {}),
        ...(settings.caFile ? { caFile: settings.caFile } : {}),
        ...(settings.insecure ? { insecure: true } : {}),
      };
      const config = readConfig();
      writeConfig({ ...config, current: settings.profileName, profiles: { ...config.profiles, [settings.profileName]: profile } });
      const saved = {
        profile: settings.profileName,
        user: user?.username ?? "",
        tenant_id: profile.tenant ?? "",
        config_file: configPath(),
      };
      process.stdout.write(
        settings.output === "table"
          ? `Logged in as ${saved.user} (tenant ${user?.tenantId}) at ${settings.connect ? settings.httpServer : settings.server}; ` +
              `profile "${saved.profile}" saved in ${saved.config_file}\n`
          : render(saved, settings.output),
      );
    });
  return setExamples(command, [
    "printf '%s\\n' \"$KEY\" | svault login --server https://grpc.example.com --http-server https://id.example.com --api-key-stdin",
    "SVAULT_API_KEY=$KEY svault login --profile local --tenant-id acme",
  ]);
}

export function logoutCommand(): Command {
  const command = new Command("logout")
    .summary("Removes a profile (with its API key) from the config file")
    .description("Removes the profile named by --profile (default: the current one) and its API key from the config file.")
    .action((_options: unknown, self: Command) => {
      const { profile: named } = self.optsWithGlobals<{ profile?: string }>();
      const config = readConfig();
      const name = named ?? config.current ?? "default";
      if (!config.profiles[name]) throw usageError(`no profile "${name}" in ${configPath()}`);
      const { [name]: _removed, ...profiles } = config.profiles;
      writeConfig({ ...(config.current === name ? {} : { current: config.current }), profiles });
      process.stdout.write(`profile "${name}" removed from ${configPath()}\n`);
    });
  return setExamples(command, ["svault logout --profile local"]);
}

export function profilesCommand(): Command {
  const command = new Command("profiles")
    .summary("Lists the profiles of the config file (never their keys)")
    .description(`Lists the profiles of ${CONFIG_FILE_HELP}: addresses, default tenant, whether a key is stored, which is current.`)
    .action((_options: unknown, self: Command) => {
      const { output } = self.optsWithGlobals<{ output: "table" | "json" | "yaml" }>();
      const config = readConfig();
      const profiles = Object.entries(config.profiles).map(([name, profile]) => ({
        name,
        current: name === (config.current ?? "default"),
        server: profile.server ?? "",
        http_server: profile.httpServer ?? "",
        tenant: profile.tenant ?? "",
        transport: profile.connect ? "connect" : "grpc",
        api_key: profile.apiKey ? "stored" : "none",
      }));
      process.stdout.write(render({ profiles }, output, { rows: ["profiles"] }));
    });
  return setExamples(command, ["svault profiles"]);
}

function firstLineOfStdin(): string {
  const line = readFileSync(0, "utf8").split(/\r?\n/)[0]?.trim() ?? "";
  if (line === "") throw usageError("--api-key-stdin: standard input has no key");
  return line;
}
