// What changed in the rows that instances keep in memory (a tenant's row, its keys, its clients),
// so that every cache of them (src/persistence/invalidated-cache.ts) drops what it holds in time.
//
// Two paths lead here, and a cache listens to both through one ChangeFeed:
// - this instance's own writes, announced by the repository that wrote them (`announceChange`), at
//   once: a client updated through this instance is refused with its old secret by the very next
//   request here;
// - everybody's writes, other instances' and hand-made SQL included: triggers on those tables
//   (migration `cache_change_notify`) send `NOTIFY svault_changes, '<table>:<tenant_id>'` with the
//   writing transaction, delivered when it commits, and the feed LISTENs on a connection of its
//   own. A listening connection that drops misses notifications, so the feed then says it is not
//   listening (the caches keep entries only for their short bound meanwhile) and, once it listens
//   again, reports that anything may have changed.
// The embedded database (PGlite) lives inside this one process and has one connection, held by the
// ORM: nobody else can write to it, so this instance's own announcements are every change there
// is (`soleWriter`), and the caches keep entries until they change. That also keeps the one
// connection free: a cache reloading on a connection of its own while a transaction holds the
// only one would wait for itself (docs/operations.md, "Caches").
import pg from "pg";
import type { Logger } from "../logging/logger.js";

/** The tables whose rows are cached; `*` means anything (a missed notification). */
export type CachedTable = "tenant" | "tenant_key" | "client";

export interface Change {
  readonly table: CachedTable | "*";
  /** The tenant whose rows changed; `*` for every tenant. */
  readonly tenantId: string;
}

const CHANNEL = "svault_changes";
const EVERYTHING: Change = { table: "*", tenantId: "*" };
const TABLES: ReadonlySet<string> = new Set<CachedTable>(["tenant", "tenant_key", "client"]);
/** How long after a lost listening connection the feed connects again. */
const RECONNECT_MS = 1_000;

/** A notification's payload, `<table>:<tenant_id>`; undefined for anything else. */
export function parseChange(payload: string | undefined): Change | undefined {
  const colon = payload?.indexOf(":") ?? -1;
  if (!payload || colon < 1) return undefined;
  const table = payload.slice(0, colon);
  return TABLES.has(table) ? { table: table as CachedTable, tenantId: payload.slice(colon + 1) } : undefined;
}

/**
 * The feed of each server in this process, by the ORM metadata its units of work share (forks
 * included): a repository announces to the feed of the server it writes for, not to another
 * server of the same process (tests run two instances in one process).
 */
const feedsByOrm = new WeakMap<object, ChangeFeed>();

/** Announces a write of this instance to its caches, after the statement that made it returned. */
export function announceChange(ormMetadata: object, table: CachedTable, tenantId: string): void {
  feedsByOrm.get(ormMetadata)?.emit({ table, tenantId });
}

export class ChangeFeed {
  private readonly listeners = new Set<(change: Change) => void>();
  private client: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether other instances' changes reach this one now (a LISTEN connection is up). */
  listening = false;

  constructor(ormMetadata: object) {
    feedsByOrm.set(ormMetadata, this);
  }

  /** Calls `listener` with every change; returns what stops it. */
  onChange(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  /** The database has no other writer than this instance (the embedded one): its own announcements are every change. */
  soleWriter(): void {
    this.listening = true;
  }

  /** Listens for every instance's changes on a connection of its own, reconnecting when it drops. */
  async listen(config: pg.ClientConfig, logger: Logger): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...config, application_name: "svault-changes", statement_timeout: undefined });
    this.client = client;
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listening = false;
      this.emit(EVERYTHING);
      client.end().catch(() => undefined);
      if (this.closed) return;
      logger.warn(
        { err: error },
        "lost the connection that hears other instances' changes; caches keep entries for at most a second until it is back",
      );
      this.reconnect = setTimeout(() => void this.listen(config, logger), RECONNECT_MS);
      this.reconnect.unref();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      const change = parseChange(message.payload);
      if (change) this.emit(change);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (this.client !== client) return;
    this.listening = true;
    // Whatever changed while nobody listened was missed.
    this.emit(EVERYTHING);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }
}
