// An access token is valid when its signature verifies AND, in the database, its family is not
// revoked, its session (if any) has not ended, its own jti was not revoked and its user is not
// disabled — one statement (GrantRepository.liveAccessToken), which also returns what userinfo,
// introspection and the admin API need of the user. Its "live" verdicts are kept in memory until
// something that decides them changes (live-token-verdicts.ts).
import type { LiveTokenUser } from "../../persistence/repositories/grant-repository.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import type { AccessTokenRequest, AccessTokenVerifier } from "../auth/authenticator.js";
import { checkSenderConstraint, type DpopProofs } from "./dpop.js";
import { accessTokenScopes, type Principal, roleOf } from "../auth/permissions.js";
import type { TenantIssuer } from "./issuers.js";
import type { LiveTokenVerdicts } from "./live-token-verdicts.js";
import type { AccessTokenClaims, Tokens } from "./tokens.js";

export type { LiveTokenUser } from "../../persistence/repositories/grant-repository.js";

export interface CheckedAccessToken {
  readonly claims: AccessTokenClaims;
  readonly issuer: TenantIssuer;
  /** The user, or undefined for a client_credentials token. */
  readonly user: LiveTokenUser | undefined;
}

export class AccessTokenChecks {
  constructor(
    readonly tokens: Tokens,
    /** The database's verdicts, kept until what decides them changes. */
    readonly verdicts: LiveTokenVerdicts,
  ) {}

  /** The token's claims and user when it verifies and is live; its issuer names the tenant to look in. */
  async check(uow: UnitOfWork, token: string): Promise<CheckedAccessToken | undefined> {
    const verified = await this.tokens.verifyAccessToken(token);
    if (!verified) return undefined;
    const { claims, issuer } = verified;
    const live = await this.verdicts.live(new TenantRepositories(uow, issuer.tenantId), claims);
    return live && { claims, issuer, user: live.user };
  }
}

/**
 * Bearer access tokens as principals of the admin API: the scopes granted in the token, bounded by
 * their user's current role; admin scopes only in a token issued for the admin API. A
 * client_credentials token has no user, so it is no principal.
 */
export function accessTokenPrincipals(
  unitOfWork: () => UnitOfWork,
  accessTokens: AccessTokenChecks,
  dpop: { proofs: DpopProofs; publicUrl: string },
): AccessTokenVerifier {
  return {
    async verify(token: string, request?: AccessTokenRequest): Promise<Principal | undefined> {
      const work = unitOfWork();
      const checked = await accessTokens.check(work, token);
      if (!checked?.user) return undefined;
      // A DPoP-bound token only with a proof of its key (RFC 9449 §7); a refused proof says why.
      await checkSenderConstraint(dpop.proofs, new TenantRepositories(work, checked.issuer.tenantId).usedJtis, checked.claims.cnf?.jkt, {
        token,
        scheme: request?.scheme ?? "Bearer",
        proof: request?.proof ?? null,
        method: request?.method ?? "POST",
        url: `${dpop.publicUrl}${request?.path ?? "/"}`,
      });
      const role = roleOf(checked.user.roles);
      return {
        kind: "access_token",
        userId: checked.user.id,
        tenantId: checked.issuer.tenantId,
        role,
        scopes: accessTokenScopes(checked.claims.scope.split(" "), accessTokens.tokens.isForAdminApi(checked.claims), role),
        global: role === "super_admin",
        ...(checked.claims.sid ? { sessionId: checked.claims.sid } : {}),
      };
    },
  };
}
