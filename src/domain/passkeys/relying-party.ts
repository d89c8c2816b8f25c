// The WebAuthn relying party of this deployment (docs/passkeys.md): one RP ID for every tenant
// (PUBLIC_URL's host, or the parent domain WEBAUTHN_RP_ID names), and the origins a tenant's
// ceremonies may run on — the hosted pages' (PUBLIC_URL's origin) and those of the tenant's
// clients (their redirect URIs' origins), for applications that run the ceremony themselves.
import type { ClientOrigins } from "../clients/client-origins.js";

export class RelyingParty {
  readonly publicOrigin: string;

  constructor(
    /** The RP ID. */
    readonly id: string,
    publicUrl: string,
    private readonly clientOrigins: ClientOrigins,
  ) {
    this.publicOrigin = new URL(publicUrl).origin;
  }

  /** Whether a ceremony that the browser ran on `origin` may count for the tenant. */
  async allowsOrigin(tenantId: string, origin: string): Promise<boolean> {
    return origin === this.publicOrigin || (await this.clientOrigins.allows(tenantId, origin));
  }
}
