// The SDK, loaded on demand (its OPAQUE WASM is most of the page's weight) and pointed at this
// page's own origin, with the tenant's issuer as OPAQUE's server identifier.
import type { HostedPageData } from "../page-data.js";

export type AuthClient = import("../../sdk/svault-auth-client.js").SvaultAuthClient;

let loading: Promise<typeof import("./sdk-chunk.js")> | undefined;

/** Starts loading the SDK; call early so it arrives while the user types. */
export function preloadSdk(): void {
  loading ??= import("./sdk-chunk.js");
}

export async function authClient(data: HostedPageData): Promise<AuthClient> {
  preloadSdk();
  const sdk = await (loading as Promise<typeof import("./sdk-chunk.js")>);
  return new sdk.SvaultAuthClient({
    transport: new sdk.RestTransport({ baseUrl: location.origin }),
    issuer: data.issuer,
    tenantId: data.tenant.tenantId,
    authReqId: data.authReqId ?? undefined,
    clientId: data.client?.clientId,
    logData: { ui: "hosted", page: data.page },
  });
}
