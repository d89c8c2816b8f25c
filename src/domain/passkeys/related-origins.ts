// The WebAuthn related origins document (operation #103, /.well-known/webauthn): the origins on
// which browsers may use passkeys of this deployment's RP ID although they are not on it —
// PUBLIC_URL's origin and every tenant's clients' web origins. Browsers fetch it when a page on
// such an origin asks for this RP ID; it is rebuilt at most once a minute.
import { originsOfRedirectUris } from "../clients/client-origins.js";

const TTL_MS = 60_000;

export class RelatedOrigins {
  private cached: { origins: Promise<string[]>; expiresAt: number } | undefined;

  constructor(
    private readonly publicOrigin: string,
    private readonly everyRedirectUri: () => Promise<readonly string[]>,
    private readonly now: () => number = Date.now,
  ) {}

  origins(): Promise<string[]> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.origins;
    const origins = this.everyRedirectUri().then((uris) => [...new Set([this.publicOrigin, ...originsOfRedirectUris(uris)])].sort());
    origins.catch(() => {
      this.cached = undefined;
    });
    this.cached = { origins, expiresAt: this.now() + TTL_MS };
    return origins;
  }
}
