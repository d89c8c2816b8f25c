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
//
// A connection can also fall silent without dropping (a network partition, a NAT or firewall that
// forgot it): nothing arrives, and nothing says so. So the feed proves that it hears: every
// `everyMs` it sends a notification to itself, on a channel of its own, through an ordinary
// connection (the service's statements), and counts as listening only while the last one it
// heard was sent less than `heardForMs` ago. Postgres delivers a listener's notifications in
// commit order, so hearing one sent at `t` proves that every change committed before `t` was
// heard: no entry is reused more than `heardForMs` after a change it missed. One still unheard
// after `lostAfterMs` means the connection is gone: it is closed and opened again.
//
// The embedded database (PGlite) lives inside this one process and has one connection, held by the
// ORM: nobody else can write to it, so this instance's own announcements are every change there
// is (`soleWriter`), and the caches keep entries until they change. That also keeps the one
// connection free: a cache reloading on a connection of its own while a transaction holds the
// only one would wait for itself (docs/operations.md, "Caches").
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "../logging/logger.js";

/**
 * The tables whose rows are cached, or decide what is: a tenant, its keys and clients (migration
 * `cache_change_notify`), and what decides whether an access token is live — its family, session,
 * user and revoked jtis (migration `access_token_liveness_notify`, only for the rare writes that
 * can change a verdict). `*` means anything (a missed notification).
 */
export type CachedTable = "tenant" | "tenant_key" | "client" | "token_family" | "user_session" | "app_user" | "revoked_access_token";

export interface Change {
  readonly table: CachedTable | "*";
  /** The tenant whose rows changed; `*` for every tenant. */
  readonly tenantId: string;
}

/** Time as the feed sees it: injected, so that a test moves it on instead of waiting. */
export interface FeedTimers {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `run` once after `ms`; returns what cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** How the feed proves that it hears (the bounds docs/operations.md states). */
export interface HeartbeatBounds {
  /** How often it sends itself a notification. */
  readonly everyMs: number;
  /** How long after the last one it heard was sent it still counts as listening: the staleness bound. */
  readonly heardForMs: number;
  /** How long one may stay unheard before the connection is closed and opened again. */
  readonly lostAfterMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatBounds = { everyMs: 500, heardForMs: 1_000, lostAfterMs: 2_000 };

/** Sends `payload` on `channel` (`select pg_notify(…)`) through an ordinary connection, not the listening one. */
export type Notify = (channel: string, payload: string) => Promise<unknown>;

export interface ChangeFeedOptions {
  readonly timers?: FeedTimers;
  readonly heartbeat?: HeartbeatBounds;
}

const CHANNEL = "svault_changes";
const EVERYTHING: Change = { table: "*", tenantId: "*" };
const TABLES: ReadonlySet<string> = new Set<CachedTable>([
  "tenant",
  "tenant_key",
  "client",
  "token_family",
  "user_session",
  "app_user",
  "revoked_access_token",
]);
/** How long after a lost listening connection the feed connects again. */
const RECONNECT_MS = 1_000;

/**
 * Real time. A timer runs after the event loop's next poll for I/O (setImmediate): when the loop
 * was busy past a deadline, a heartbeat that arrived meanwhile is read before the deadline judges it.
 */
export const REAL_TIMERS: FeedTimers = {
  now: Date.now,
  after(ms, run) {
    let cancelled = false;
    const timer = setTimeout(() => setImmediate(() => cancelled || run()), ms);
    timer.unref();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  },
};

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
  private readonly timers: FeedTimers;
  private readonly heartbeat: HeartbeatBounds;
  /** This feed's own channel for its heartbeats: other instances do not hear them. */
  private readonly ownChannel = `svault_alive_${randomBytes(8).toString("hex")}`;
  private client: pg.Client | undefined;
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private sole = false;
  /** Every change committed before this time has been heard (or the caches emptied since). */
  private provenAt = Number.NEGATIVE_INFINITY;
  /** When the heartbeats not heard yet were sent, oldest first. */
  private readonly unheard: number[] = [];

  constructor(ormMetadata: object, options: ChangeFeedOptions = {}) {
    feedsByOrm.set(ormMetadata, this);
    this.timers = options.timers ?? REAL_TIMERS;
    this.heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
  }

  /**
   * Whether other instances' changes reach this one now: a listening connection is up and its
   * last heartbeat heard was sent less than `heardForMs` ago (always, for the sole writer).
   */
  get listening(): boolean {
    if (this.sole) return true;
    return this.client !== undefined && this.timers.now() - this.provenAt < this.heartbeat.heardForMs;
  }

  /** Every change committed before this time (epoch ms) has been heard; -Infinity while no connection listens. */
  get heardUntil(): number {
    return this.sole ? Number.POSITIVE_INFINITY : this.provenAt;
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
    this.sole = true;
  }

  /**
   * Listens for every instance's changes on a connection of its own, proving every `everyMs` with
   * a heartbeat sent through `notify` that it still hears them; reconnects when it does not.
   */
  async listen(config: pg.ClientConfig, notify: Notify, logger: Logger): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...config, application_name: "svault-changes", statement_timeout: undefined });
    this.client = client;
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.cancelTimer?.();
      this.provenAt = Number.NEGATIVE_INFINITY;
      this.unheard.length = 0;
      this.emit(EVERYTHING);
      // A silent connection would not answer a polite goodbye.
      client.connection.stream.destroy();
      client.end().catch(() => undefined);
      if (this.closed) return;
      logger.warn(
        { err: error },
        "lost the connection that hears other instances' changes; caches keep entries for at most a second until it is back",
      );
      this.cancelTimer = this.timers.after(RECONNECT_MS, () => void this.listen(config, notify, logger));
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === this.ownChannel) {
        this.heard(Number(message.payload));
        return;
      }
      const change = parseChange(message.payload);
      if (change) this.emit(change);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}; listen ${this.ownChannel}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (this.client !== client) return;
    // Whatever changed while nobody listened was missed; from here on, everything is heard.
    this.provenAt = this.timers.now();
    this.emit(EVERYTHING);
    const beat = () => {
      if (this.client !== client) return;
      const now = this.timers.now();
      const oldest = this.unheard[0];
      if (oldest !== undefined && now - oldest >= this.heartbeat.lostAfterMs) {
        lost(new Error(`no heartbeat heard on the listening connection for ${now - oldest} ms`));
        return;
      }
      this.unheard.push(now);
      // A heartbeat that fails to go out stays unheard: the deadline above judges it.
      notify(this.ownChannel, String(now)).catch((error: unknown) => logger.debug({ err: error }, "change feed heartbeat not sent"));
      this.cancelTimer = this.timers.after(this.heartbeat.everyMs, beat);
    };
    beat();
  }

  /** A heartbeat sent at `sentAt` arrived: so did every change committed before it. */
  private heard(sentAt: number): void {
    if (!Number.isFinite(sentAt)) return;
    while (this.unheard[0] !== undefined && this.unheard[0] <= sentAt) this.unheard.shift();
    if (sentAt > this.provenAt) this.provenAt = sentAt;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // A goodbye that a silent connection never acknowledges does not hold the shutdown.
    const cut = this.timers.after(this.heartbeat.lostAfterMs, () => client.connection.stream.destroy());
    await client.end().catch(() => undefined);
    cut();
  }
}
