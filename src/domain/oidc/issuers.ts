// The two issuer families of a tenant (ROUTES.md): the standard `{PUBLIC_URL}/{tenant_id}` and
// the alias `{PUBLIC_URL}/oidc/{tenant_id}`. An authorization keeps the issuer of the family it
// started on; every token minted from it carries that `iss`.
export type IssuerFamily = "standard" | "alias";

export interface TenantIssuer {
  readonly tenantId: string;
  readonly family: IssuerFamily;
  readonly issuer: string;
}

export class Issuers {
  /**
   * The resource identifier (RFC 8707) of the admin API, shared by every tenant: an access token
   * meant for the admin API names it in its `aud` (docs/permissions.md).
   */
  readonly adminApi: string;

  constructor(private readonly publicUrl: string) {
    this.adminApi = `${publicUrl}/api`;
  }

  of(tenantId: string, family: IssuerFamily = "standard"): TenantIssuer {
    const issuer = family === "alias" ? `${this.publicUrl}/oidc/${tenantId}` : `${this.publicUrl}/${tenantId}`;
    return { tenantId, family, issuer };
  }

  /** The family a request used, from its URL: only `/oidc/{tenant}/…` paths are the alias. */
  familyOfRequest(url: string, tenantId: string): IssuerFamily {
    const path = url.startsWith("/") ? url : new URL(url).pathname;
    return path.startsWith(`/oidc/${tenantId}/`) ? "alias" : "standard";
  }

  /** The tenant and family an `iss` value names, or undefined when it is not one of ours. */
  parse(iss: string): TenantIssuer | undefined {
    if (!iss.startsWith(`${this.publicUrl}/`)) return undefined;
    const rest = iss.slice(this.publicUrl.length + 1);
    const alias = /^oidc\/([a-z0-9][a-z0-9-]{1,62})$/.exec(rest);
    if (alias) return this.of(alias[1] as string, "alias");
    return /^[a-z0-9][a-z0-9-]{1,62}$/.test(rest) ? this.of(rest, "standard") : undefined;
  }

  endpoints(issuer: TenantIssuer) {
    const base = issuer.issuer;
    return {
      authorization: `${base}/authorize`,
      token: `${base}/token`,
      userinfo: `${base}/userinfo`,
      jwks: `${base}/.well-known/jwks.json`,
      revocation: `${base}/revoke`,
      introspection: `${base}/introspect`,
      pushedAuthorizationRequest: `${base}/par`,
      endSession: `${this.publicUrl}/api/v1/auth/oidc/logout`,
      loginPage: `${this.publicUrl}/ui/login`,
      errorPage: `${this.publicUrl}/ui/error`,
      loggedOutPage: `${this.publicUrl}/ui/logged-out`,
      logoutPage: `${this.publicUrl}/ui/logout`,
      passkeyOfferPage: `${this.publicUrl}/ui/account/passkey-offer`,
    };
  }
}
