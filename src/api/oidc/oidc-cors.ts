// Which OpenID Connect endpoints a browser app on another origin (a public client with PKCE) may
// call, as OpenID providers serve them (docs/oidc.md, "Browser apps on another origin"):
//   - discovery and JWKS: public documents, to any origin;
//   - token, userinfo and revocation: to the origins of the tenant's clients' redirect URIs, on the
//     issuer's own paths (the ones discovery names, which carry the tenant). The tenant-less
//     aliases (`/oidc/token`, …) have no CORS: before the body is read the tenant is unknown.
//     The tenant's origins are kept in memory until its clients change (client-origins.ts).
// Nothing else, the admin API above all, is readable cross-origin, and never with credentials.
import type { DescMethod, DescMethodUnary } from "@bufbuild/protobuf";
import { OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import type { ClientOrigins } from "../../domain/clients/client-origins.js";
import type { CorsPolicy } from "../../transcoding/cors.js";

export function oidcCorsPolicies(origins: ClientOrigins): (method: DescMethodUnary) => CorsPolicy | undefined {
  const publicDocument: CorsPolicy = { origins: "*" };
  const clientEndpoint: CorsPolicy = {
    origins: (origin, path) => {
      const tenantId = path.get("tenant_id");
      return tenantId ? origins.allows(tenantId, origin) : Promise.resolve(false);
    },
    allowedHeaders: ["authorization", "content-type", "dpop"],
    // A page reads why userinfo refused its token (RFC 6750 §3), when to retry after 429, and the
    // nonce its next DPoP proof must carry (RFC 9449 §8).
    exposedHeaders: ["www-authenticate", "retry-after", "dpop-nonce"],
  };
  const policies = new Map<DescMethod, CorsPolicy>([
    [OidcService.method.getOpenidConfiguration, publicDocument],
    [OidcService.method.getJwks, publicDocument],
    [OidcService.method.token, clientEndpoint],
    [OidcService.method.userinfo, clientEndpoint],
    [OidcService.method.revoke, clientEndpoint],
    [OidcService.method.pushAuthorizationRequest, clientEndpoint],
  ]);
  return (method) => policies.get(method);
}
