// Entra ID's published metadata, as a hint's verifier needs it: the issuer of a tenant and the
// key that signed a token. The HTTP implementation reads the OpenID configuration and the JWKS it
// names, with timeouts, bounded bodies and a bounded cache: Entra's keys change rarely, and a
// token signed by a key we have not seen refetches the JWKS at most once per cooldown (jose's
// remote key set), so a stream of forged kids cannot make us hammer Microsoft.
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

/** What a hint's verification needs from one Entra cloud (one discovery URL). */
export interface EntraMetadata {
  /** The issuer of tokens of Entra tenant `tid` (`https://login.microsoftonline.com/{tid}/v2.0`). */
  issuerOf(tid: string): string;
  /** The key of a token's header (`kid`), from Entra's JWKS. */
  readonly keys: JWTVerifyGetKey;
}

export interface EntraDirectory {
  /** The metadata behind a discovery URL; throws when it cannot be read. */
  metadata(discoveryUrl: string): Promise<EntraMetadata>;
}

export const ENTRA_PUBLIC_DISCOVERY_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration";

/** The placeholder of the multi-tenant issuer in Entra's common configuration. */
const TENANT_PLACEHOLDER = "{tenantid}";

export class EntraMetadataError extends Error {}

export interface HttpEntraDirectoryOptions {
  /** Per request. */
  readonly timeoutMs?: number;
  /** How long a configuration is reused (Entra's guidance for its own metadata: a day). */
  readonly metadataTtlMs?: number;
  /** How many discovery URLs are remembered at once. */
  readonly maxEntries?: number;
  readonly clock?: () => number;
}

const MAX_DOCUMENT_BYTES = 256 * 1024;

export class HttpEntraDirectory implements EntraDirectory {
  private readonly cache = new Map<string, { metadata: EntraMetadata; until: number }>();
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(options: HttpEntraDirectoryOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.ttlMs = options.metadataTtlMs ?? 24 * 3600_000;
    this.maxEntries = options.maxEntries ?? 16;
    this.clock = options.clock ?? Date.now;
  }

  async metadata(discoveryUrl: string): Promise<EntraMetadata> {
    const cached = this.cache.get(discoveryUrl);
    if (cached && cached.until > this.clock()) return cached.metadata;
    const document = await this.fetchConfiguration(discoveryUrl);
    const metadata: EntraMetadata = {
      issuerOf: (tid) => document.issuer.replace(TENANT_PLACEHOLDER, tid),
      keys: createRemoteJWKSet(new URL(document.jwks_uri), {
        timeoutDuration: this.timeoutMs,
        cooldownDuration: 60_000,
        cacheMaxAge: 3600_000,
      }),
    };
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(discoveryUrl, { metadata, until: this.clock() + this.ttlMs });
    return metadata;
  }

  private async fetchConfiguration(url: string): Promise<{ issuer: string; jwks_uri: string }> {
    let body: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
      if (!response.ok) throw new EntraMetadataError(`Entra's OpenID configuration answered ${response.status}`);
      body = await response.text();
    } catch (error) {
      if (error instanceof EntraMetadataError) throw error;
      throw new EntraMetadataError(`Entra's OpenID configuration could not be read: ${(error as Error).message}`);
    }
    if (body.length > MAX_DOCUMENT_BYTES) throw new EntraMetadataError("Entra's OpenID configuration is too large");
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      throw new EntraMetadataError("Entra's OpenID configuration is not JSON");
    }
    const { issuer, jwks_uri: jwksUri } = (document ?? {}) as Record<string, unknown>;
    if (typeof issuer !== "string" || typeof jwksUri !== "string" || !URL.canParse(jwksUri)) {
      throw new EntraMetadataError("Entra's OpenID configuration has no issuer or jwks_uri");
    }
    return { issuer, jwks_uri: jwksUri };
  }
}
