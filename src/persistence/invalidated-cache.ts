// Rows read on every request of the token path (a tenant, its keys, a client, the verdict that an
// access token is live: live-token-verdicts.ts) kept in memory, and dropped when they change (change-feed.ts): at once for this instance's own writes, when the
// commit's notification arrives for everybody else's (the embedded database has no one else: there
// the feed counts as heard). While the feed does not hear (it reconnects, or its connection fell
// silent and its heartbeat is late: change-feed.ts) an entry is reused for at most `unheardMs`
// (1 s), the bound docs/operations.md states; while it hears, for at most `heardMs`, a safety net
// only.
import type { CachedTable, Change, ChangeFeed } from "./change-feed.js";

export interface CacheBounds {
  /** How long an entry is reused while other instances' changes are heard (a safety net). */
  readonly heardMs: number;
  /** How long an entry is reused while they are not: the staleness this instance may show then. */
  readonly unheardMs: number;
  /** Entries kept at most; first to go is the oldest entry of the tenant that loaded one longest ago. */
  readonly maxEntries: number;
}

export const DEFAULT_CACHE_BOUNDS: CacheBounds = { heardMs: 300_000, unheardMs: 1_000, maxEntries: 10_000 };

interface Entry<V> {
  readonly value: V;
  readonly at: number;
}

export class InvalidatedCache<V> {
  /**
   * Entries by tenant, then key: a lookup hashes the two strings it is given (a request's tenant id
   * keeps its hash for its next lookup) rather than a new string joining them, and a tenant's change
   * drops its map without visiting anyone else's entries. Tenants in the order they last loaded an
   * entry, each tenant's entries in the order they were loaded.
   */
  private readonly tenants = new Map<string, Map<string, Entry<V>>>();
  private size = 0;
  private readonly loading = new Map<string, Promise<V>>();
  /** Counts the changes heard: a value read before one is not kept after it. */
  private changes = 0;
  private readonly stop: () => void;

  constructor(
    private readonly feed: ChangeFeed,
    /** The tables whose changes this cache's values depend on. */
    tables: readonly CachedTable[],
    private readonly bounds: CacheBounds = DEFAULT_CACHE_BOUNDS,
    private readonly clock: () => number = Date.now,
  ) {
    const watched = new Set<string>(tables);
    this.stop = feed.onChange((change) => {
      if (change.table === "*" || watched.has(change.table)) this.forget(change);
    });
  }

  /**
   * The value of `key` in `tenantId`, from memory while fresh, else from `load` (one load per key
   * at a time). A loaded value is kept only if `keeps` says so (all are, without it).
   */
  get(tenantId: string, key: string, load: () => Promise<V>, keeps?: (value: V) => boolean): Promise<V> {
    const entry = this.tenants.get(tenantId)?.get(key);
    if (entry && this.clock() - entry.at < (this.feed.listening ? this.bounds.heardMs : this.bounds.unheardMs)) {
      return Promise.resolve(entry.value);
    }
    // Only a load pays for joining the two.
    const id = `${tenantId}\u0000${key}`;
    const pending = this.loading.get(id);
    if (pending) return pending;
    const changesBefore = this.changes;
    const at = this.clock();
    const loaded = load().then(
      (value) => {
        if (this.loading.get(id) === loaded) this.loading.delete(id);
        // A change heard while the load ran may postdate what it read: not kept.
        if (this.changes === changesBefore && (keeps === undefined || keeps(value))) this.keep(tenantId, key, { value, at });
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(id) === loaded) this.loading.delete(id);
        throw error;
      },
    );
    this.loading.set(id, loaded);
    return loaded;
  }

  /** Stops listening to the feed (the server closes). */
  close(): void {
    this.stop();
    this.tenants.clear();
    this.size = 0;
  }

  private keep(tenantId: string, key: string, entry: Entry<V>): void {
    if (this.tenants.get(tenantId)?.delete(key)) this.size--;
    if (this.size >= this.bounds.maxEntries) this.dropOldest();
    // dropOldest may have emptied and dropped this tenant's map.
    const ofTenant = this.tenants.get(tenantId) ?? new Map<string, Entry<V>>();
    ofTenant.set(key, entry);
    // The tenant that loaded last goes last: the first tenant's first entry is the one to drop.
    this.tenants.delete(tenantId);
    this.tenants.set(tenantId, ofTenant);
    this.size++;
  }

  private dropOldest(): void {
    const first = this.tenants.entries().next().value;
    if (first === undefined) return;
    const [tenantId, ofTenant] = first;
    const oldest = ofTenant.keys().next().value;
    if (oldest !== undefined && ofTenant.delete(oldest)) this.size--;
    if (ofTenant.size === 0) this.tenants.delete(tenantId);
  }

  private forget(change: Change): void {
    this.changes++;
    // Loads in flight are not joined any more: their result may predate the change.
    this.loading.clear();
    if (change.tenantId === "*") {
      this.tenants.clear();
      this.size = 0;
      return;
    }
    const ofTenant = this.tenants.get(change.tenantId);
    if (ofTenant === undefined) return;
    this.size -= ofTenant.size;
    this.tenants.delete(change.tenantId);
  }
}
