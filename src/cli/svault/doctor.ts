// `svault doctor`: is the service reachable over both listeners, is its database up (as /health
// reports it), does the API key work and with which scopes, which versions and issuer URLs are in
// play. Every check runs even when an earlier one fails; the exit code is the first failure's.
import { type Client, createClient } from "@connectrpc/connect";
import { Command } from "commander";
import { ApiKeyService } from "../../../gen/svault/apikey/v1/api_key_service_pb.js";
import { HealthService } from "../../../gen/svault/health/v1/health_service_pb.js";
import { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { TenantService } from "../../../gen/svault/tenant/v1/tenant_service_pb.js";
import { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { type Endpoint, grpcEndpoint, httpEndpoint, openEndpoint } from "./connection.js";
import { CliError, describeError, ExitCode, exitCodeOf } from "./exit-codes.js";
import { setExamples } from "./examples.js";
import { render } from "./output.js";
import { resolveSettings, type Settings } from "./settings.js";
import { CLI_VERSION } from "./version.js";

interface CheckResult {
  readonly check: string;
  readonly result: "ok" | "failed" | "skipped";
  readonly detail: string;
}

/** Issuers listed at most, for installations with many tenants. */
const MAX_ISSUERS = 10;

export function doctorCommand(): Command {
  const command = new Command("doctor")
    .summary("Checks the connection, the service's health, the API key and its scopes")
    .description(
      "Reaches the service over both listeners (gRPC on --server, Connect over HTTP/1.1 on --http-server), reports " +
        "its version and whether its database is reachable (as /health reports it), checks the API key (whose key, " +
        "which scopes: Get Api Key Scopes) and lists the issuer URLs of the tenants the key can see. Exits 0 when " +
        "every check passes, else with the code of the first failure.",
    )
    .action(async (_options: unknown, self: Command) => runDoctor(resolveSettings(self)));
  return setExamples(command, ["svault doctor", "svault doctor --profile prod -o json"]);
}

async function runDoctor(settings: Settings): Promise<void> {
  const results: CheckResult[] = [];
  const failures: unknown[] = [];
  const check = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    try {
      results.push({ check: name, result: "ok", detail: await run() });
      return true;
    } catch (error) {
      failures.push(error);
      results.push({ check: name, result: "failed", detail: describeError(error) });
      return false;
    }
  };
  const skip = (name: string, why: string) => results.push({ check: name, result: "skipped", detail: why });

  results.push({
    check: "cli",
    result: "ok",
    detail: `svault ${CLI_VERSION} on Node ${process.version}, profile "${settings.profileName}"${settings.connect ? ", --connect" : ""}`,
  });
  let databaseStatus: string | undefined;
  const listeners: [string, () => Endpoint][] = [
    ["gRPC listener", () => grpcEndpoint(settings)],
    ["HTTP listener", () => httpEndpoint(settings)],
  ];
  for (const [name, open] of listeners) {
    await check(name, async () => {
      const endpoint = open();
      try {
        const started = performance.now();
        const health = await createClient(HealthService, endpoint.transport).check({});
        databaseStatus ??= health.status;
        return `${endpoint.label}: svault ${health.version}, env ${health.env} (${Math.round(performance.now() - started)} ms)`;
      } finally {
        endpoint.close();
      }
    });
  }
  if (databaseStatus === undefined) skip("database", "no listener answered");
  else
    await check("database", async () => {
      if (databaseStatus !== "ok")
        throw new CliError(`/health reports "${databaseStatus}": the service cannot reach its database`, ExitCode.unavailable);
      return 'reachable (/health: "ok")';
    });

  if (!settings.apiKey) {
    failures.push(new CliError("no API key", ExitCode.auth));
    results.push({
      check: "API key",
      result: "failed",
      detail: "none: pass --api-key, set SVAULT_API_KEY, or store one with `svault login`",
    });
  } else {
    const endpoint = openEndpoint(settings);
    try {
      await keyChecks(endpoint, check, skip);
    } finally {
      endpoint.close();
    }
  }

  process.stdout.write(
    render({ checks: results.map((r) => ({ ...r })) }, settings.output, { rows: ["checks"], columns: ["check", "result", "detail"] }),
  );
  if (failures.length > 0) process.exitCode = exitCodeOf(failures[0]);
}

type Check = (name: string, run: () => Promise<string>) => Promise<boolean>;

async function keyChecks(endpoint: Endpoint, check: Check, skip: (name: string, why: string) => void): Promise<void> {
  let homeTenant: string | undefined;
  const keyWorks = await check("API key", async () => {
    const { user } = await createClient(UserService, endpoint.transport).getCurrentUser({});
    homeTenant = user?.tenantId;
    return `accepted: user ${user?.username} of tenant ${user?.tenantId}${user?.roles.length ? `, roles ${user.roles.join(", ")}` : ""}`;
  });
  if (!keyWorks) {
    skip("scopes", "the key is not accepted");
    return;
  }
  await check("scopes", async () => {
    const { scopes } = await createClient(ApiKeyService, endpoint.transport).getApiKeyScopes({});
    return scopes.join(", ") || "none";
  });
  const tenants = await visibleTenants(createClient(TenantService, endpoint.transport), homeTenant);
  const oidc = createClient(OidcService, endpoint.transport);
  for (const tenantId of tenants.slice(0, MAX_ISSUERS)) {
    await check(`issuer ${tenantId}`, async () => (await oidc.getOpenidConfiguration({ tenantId })).issuer);
  }
  if (tenants.length > MAX_ISSUERS) skip("issuers", `${tenants.length - MAX_ISSUERS} more tenants (svault tenants list)`);
}

/** The tenants the key may read, or its own tenant when it may not list tenants. */
async function visibleTenants(tenants: Client<typeof TenantService>, homeTenant: string | undefined): Promise<string[]> {
  try {
    return (await tenants.listTenants({})).tenants.map((tenant) => tenant.tenantId);
  } catch {
    return homeTenant ? [homeTenant] : [];
  }
}
