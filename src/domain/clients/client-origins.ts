// The web origins a tenant's clients run on: the origins of their registered http(s) redirect URIs.
// A browser app on one of them may read the answers of the tenant's token, userinfo and revocation
// endpoints (CORS, src/api/oidc/oidc-cors.ts), and run a passkey ceremony for the tenant
// (relying-party.ts). A tenant's origins are kept in memory, so that a browser's preflight and its
// call cost no query, and dropped when a client of the tenant (or the tenant) changes — through
// the one mechanism of every cache of those rows (src/persistence/invalidated-cache.ts): at once
// for this instance's writes, when the commit's notification arrives for every other writer, and
// at most 1 s late while the change feed does not hear (docs/operations.md, "Caches").
import type { ChangeFeed } from "../../persistence/change-feed.js";
import { type CacheBounds, DEFAULT_CACHE_BOUNDS, InvalidatedCache } from "../../persistence/invalidated-cache.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";

export class ClientOrigins {
  /** By tenant (unknown tenant ids are kept too, as empty sets); at most `maxEntries` tenants. */
  private readonly origins: InvalidatedCache<ReadonlySet<string>>;

  /** `load` gives the redirect URIs of every client of a tenant (none for an unknown tenant). */
  constructor(
    changes: ChangeFeed,
    private readonly load: (tenantId: string) => Promise<readonly string[]>,
    bounds: CacheBounds = DEFAULT_CACHE_BOUNDS,
    clock: () => number = Date.now,
  ) {
    this.origins = new InvalidatedCache(changes, ["client", "tenant"], bounds, clock);
  }

  /** Whether `origin` (as a browser sends it: `https://app.example`) is one of the tenant's clients'. */
  async allows(tenantId: string, origin: string): Promise<boolean> {
    // Concurrent preflights of one tenant share one query; a failed query is not kept.
    const origins = await this.origins.get(tenantId, "", async () => originsOfRedirectUris(await this.load(tenantId)));
    return origins.has(origin);
  }
}

/** The origins of the http(s) URIs among `uris` (private-use schemes of native apps have none). */
export function originsOfRedirectUris(uris: readonly string[]): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const uri of uris) {
    const url = URL.canParse(uri) ? new URL(uri) : undefined;
    if (url && (url.protocol === "https:" || url.protocol === "http:")) origins.add(url.origin);
  }
  return origins;
}

/** The redirect URIs of every client of a tenant, in one query. */
export function tenantRedirectUris(
  repositoriesOf: (tenantId: string) => TenantRepositories,
): (tenantId: string) => Promise<readonly string[]> {
  return (tenantId) => repositoriesOf(tenantId).clients.redirectUris();
}
