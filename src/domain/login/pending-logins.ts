// The login challenges this instance issued, kept in memory as well as in the database
// (docs/login-protocol.md §7). The database stays the only authority — the challenge row is what
// makes a login single use, and any instance can finish a login from it — but when Authenticate
// reaches the instance that issued the challenge, the state is already here: the challenge is then
// consumed by the same statement that stores the nonce, one round trip instead of two, and the
// sealed login state need not be opened (bench/results/auth.md).
//
// Losing an entry (eviction, restart, another instance) only means the slower path; keeping one
// that the database no longer has (consumed elsewhere, expired, deleted) is caught by that
// statement, which consumes the row or reports that there was none.
import type { LoginTarget } from "../../persistence/repositories/login-repository.js";

/** What Authenticate needs of a challenge, besides its id. */
export interface PendingLogin {
  readonly usernameNormalized: string;
  readonly userId: string | null;
  /** The `cipherKey` (KE1) the challenge was issued for: Authenticate must present the same. */
  readonly cipherKey: string;
  readonly authReqId: string | null;
  /** The OPAQUE server login state (plaintext: it never leaves the process from here). */
  readonly serverLoginState: string;
  /** The tenant's factors and e-mail setting when the challenge was issued. */
  readonly loginOrder: readonly string[];
  readonly hasUsernameAndEmail: boolean;
  /** Epoch milliseconds, as stored with the challenge. */
  readonly expiresAt: number;
}

export const PENDING_LOGINS_CAPACITY = 10_000;

/** A held challenge and its tenant. */
export interface HeldLogin {
  readonly tenantId: string;
  readonly login: PendingLogin;
}

export class PendingLogins {
  // Insertion order is expiry order (one TTL for all), so the oldest entry is always first. Keyed
  // by the challenge id alone — 192 random bits, never the same in two tenants — with the tenant
  // checked on `take`: a key joining both would be a string made (and hashed) on every step.
  private readonly entries = new Map<string, HeldLogin>();

  constructor(
    private readonly capacity = PENDING_LOGINS_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  remember(tenantId: string, challengeId: string, login: PendingLogin): void {
    this.dropExpired();
    if (this.entries.size >= this.capacity) this.dropOldest();
    this.entries.set(challengeId, { tenantId, login });
  }

  /**
   * Removes and returns the challenge, if this instance still holds it unexpired for `target`: its
   * tenant, or the authorization request it was issued for (which names that tenant).
   */
  take(target: LoginTarget, challengeId: string): HeldLogin | undefined {
    const entry = this.entries.get(challengeId);
    if (entry === undefined) return undefined;
    // A challenge of one tenant is unknown at another, and one of an authorization request at
    // another request (it stays held for its own). Left here, the other request's Authenticate
    // takes the slower path, whose statement finds the challenge in that request's tenant or not.
    if (target.authReqId === null ? entry.tenantId !== target.tenantId : entry.login.authReqId !== target.authReqId) return undefined;
    this.entries.delete(challengeId);
    return entry.login.expiresAt > this.now() ? entry : undefined;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.login.expiresAt > now) return;
      this.entries.delete(key);
    }
  }

  private dropOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
