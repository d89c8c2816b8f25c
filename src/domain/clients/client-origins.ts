// The web origins a tenant's clients run on: the origins of their registered http(s) redirect URIs.
// A browser app on one of them may read the answers of the tenant's token, userinfo and revocation
// endpoints (CORS, src/api/oidc/oidc-cors.ts). The origins are kept in memory per tenant for a
// minute, so that a browser's preflight and its call cost no query, and forgotten as soon as a
// client of the tenant changes through this instance; other instances see a change within the
// minute.
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";

export interface ClientOriginsOptions {
  /** How long a tenant's origins are kept. */
  readonly ttlMs?: number;
  /** How many tenants are kept; the oldest entry goes first (unknown tenant ids are kept too). */
  readonly maxTenants?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly origins: Promise<ReadonlySet<string>>;
  readonly expiresAt: number;
}

export class ClientOrigins {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxTenants: number;
  private readonly now: () => number;

  /** `load` gives the redirect URIs of every client of a tenant (none for an unknown tenant). */
  constructor(
    private readonly load: (tenantId: string) => Promise<readonly string[]>,
    options: ClientOriginsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxTenants = options.maxTenants ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether `origin` (as a browser sends it: `https://app.example`) is one of the tenant's clients'. */
  async allows(tenantId: string, origin: string): Promise<boolean> {
    return (await this.originsOf(tenantId)).has(origin);
  }

  /** Reloads the tenant's origins on next use: one of its clients was created, changed or deleted. */
  forget(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private originsOf(tenantId: string): Promise<ReadonlySet<string>> {
    const cached = this.entries.get(tenantId);
    if (cached && cached.expiresAt > this.now()) return cached.origins;
    // Concurrent preflights of one tenant share one query; a failed query is not kept.
    const origins = this.load(tenantId).then(originsOfRedirectUris);
    origins.catch(() => {
      if (this.entries.get(tenantId)?.origins === origins) this.entries.delete(tenantId);
    });
    this.entries.delete(tenantId);
    this.entries.set(tenantId, { origins, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxTenants) this.entries.delete(this.entries.keys().next().value as string);
    return origins;
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
