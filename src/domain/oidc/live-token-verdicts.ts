// Whether an access token is live — its family not revoked, its session not ended, its jti not
// revoked, its user not disabled — is one statement (GrantRepository.liveAccessToken), which also
// returns the user's fields that userinfo, introspection and the admin API show or judge. A
// resource server presents one token many times, so each instance keeps the statement's "live"
// verdicts in memory (an InvalidatedCache, per tenant, family, jti and client) and drops a tenant's
// verdicts when anything that decides them changes: a family revoked or deleted, a session ended
// or deleted, a user disabled, deleted or edited (the verdict carries the user's fields, roles
// included), a jti revoked, a client or the tenant deleted or changed.
//
// - This instance's writes drop them at once: the repositories that make them announce them
//   (UnitOfWork.announce), so the very next request here refuses a token just revoked.
// - Everybody else's when the commit's notification arrives (migration
//   `access_token_liveness_notify`; only those rare writes notify, with a WHEN clause each).
// - While the change feed does not hear (change-feed.ts), a verdict is reused for at most a second
//   (invalidated-cache.ts `unheardMs`): the bound docs/operations.md states.
//
// Refusals are never kept: a refused token costs its statement every time, as before, and nothing
// that turns a refusal into a pass (a user enabled again, a revoked jti's row swept after expiry)
// needs to be heard. The token's expiry is not part of the verdict: the claims are judged on every
// use (tokens.ts).
import type { CachedTable, ChangeFeed } from "../../persistence/change-feed.js";
import { type CacheBounds, DEFAULT_CACHE_BOUNDS, InvalidatedCache } from "../../persistence/invalidated-cache.js";
import type { LiveTokenUser } from "../../persistence/repositories/grant-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { AccessTokenClaims } from "./tokens.js";

/** The database's verdict on a live token: its user (undefined for a client's own token). */
export interface LiveVerdict {
  readonly user: LiveTokenUser | undefined;
}

/** The claims a verdict is about. */
export type VerdictClaims = Pick<AccessTokenClaims, "fid" | "jti" | "client_id">;

/** The tables whose rows decide a verdict (GrantRepository.liveAccessToken reads them; a tenant's deletion takes them all). */
export const VERDICT_TABLES: readonly CachedTable[] = [
  "token_family",
  "user_session",
  "app_user",
  "revoked_access_token",
  "client",
  "tenant",
];

export class LiveTokenVerdicts {
  private readonly verdicts: InvalidatedCache<LiveVerdict | undefined>;

  constructor(changes: ChangeFeed, bounds: CacheBounds = DEFAULT_CACHE_BOUNDS, clock: () => number = Date.now) {
    this.verdicts = new InvalidatedCache(changes, VERDICT_TABLES, bounds, clock);
  }

  /** The verdict on verified `claims` of `repos`' tenant: from memory while nothing that decides it may have changed. */
  live(repos: TenantRepositories, claims: VerdictClaims): Promise<LiveVerdict | undefined> {
    return this.verdicts.get(
      repos.tenantId,
      `${claims.fid ?? ""}\u0000${claims.jti}\u0000${claims.client_id}`,
      async () => frozen(await repos.grants.liveAccessToken(claims.fid, claims.jti, claims.client_id)),
      (verdict) => verdict !== undefined,
    );
  }

  /** Stops listening to the change feed (the server closes). */
  close(): void {
    this.verdicts.close();
  }
}

/** A verdict is shared by every request that reuses it: nobody may change it. */
function frozen(verdict: LiveVerdict | undefined): LiveVerdict | undefined {
  if (!verdict?.user) return verdict && Object.freeze({ user: undefined });
  Object.freeze(verdict.user.roles);
  return Object.freeze({ user: Object.freeze(verdict.user) });
}
