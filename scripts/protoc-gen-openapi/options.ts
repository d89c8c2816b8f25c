// The plugin's options (buf.gen.yaml `opt`). `exclude=<package>` leaves a package and its
// sub-packages out, and may be repeated; giving any replaces the defaults, and `exclude=` alone
// leaves nothing out (the tests document the test-only services that way).
export interface PluginOptions {
  readonly excludedPackages: readonly string[];
}

/** Test-only services are never served; gRPC's own services have no REST routes. */
export const DEFAULT_EXCLUDED_PACKAGES: readonly string[] = ["grpc", "svault.testing"];

export function parseOptions(parameter: string): PluginOptions {
  const excluded: string[] = [];
  let excludeGiven = false;
  for (const option of parameter.split(",").filter((o) => o.trim() !== "")) {
    const [key = "", value = ""] = option.split("=", 2).map((part) => part.trim());
    if (key !== "exclude") throw new Error(`unknown option "${option}" (known: exclude=<package>)`);
    excludeGiven = true;
    if (value !== "") excluded.push(value);
  }
  return { excludedPackages: excludeGiven ? excluded : DEFAULT_EXCLUDED_PACKAGES };
}
