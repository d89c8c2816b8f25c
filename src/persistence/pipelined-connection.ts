// One Postgres connection that runs independent statements pipelined: every statement asked for
// while the process is busy goes out in one socket write at the next tick, each as its own
// Bind/Execute/Sync (and Parse the first time its name is used on this connection), and the
// answers come back in order. Each statement still runs on its own, committed as it completes:
// the Sync after each one ends its implicit transaction, so an error fails that statement only
// and Postgres carries on with the next.
//
// Why: node-pg's Client runs one statement at a time, and on a pooled connection every statement
// costs its own socket write, its own wake-up of a Postgres backend and of this process, and its
// own pass through the pool. On a login's short statements that per-statement overhead is most of
// what the database costs this process; here it is shared by the statements of a whole tick
// (docs/performance.md, bench/results/auth.md).
//
// node-pg does the connecting (TLS, SCRAM, startup); this module then takes over the messages of
// the extended query protocol on that connection and never calls `client.query`.
//
// Answers come in order, so a connection on which the oldest statement has waited longer than the
// answer timeout is stuck as a whole (a frozen database, or one cut off without a reset): it is
// given up, failing everything it carries, and the next statement opens a new one. A watchdog
// timer per connection checks the oldest statement's age; statements only carry the time of the
// write they went out in.
import pg from "pg";
import pgUtils from "pg/lib/utils.js";
import type { Statement } from "./plain-sql.js";

interface Waiting {
  readonly statement: Statement;
  /** The values as node-pg sends them (strings, Buffers, null). */
  readonly values: (string | Buffer | null)[];
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

interface Sent extends Waiting {
  /** Whether this statement's message included the Parse of its name. */
  readonly parsed: boolean;
  /** performance.now() of the write that sent it. */
  readonly sentAt: number;
  readonly rows: RowReader;
  error?: Error;
}

/**
 * Turns DataRow messages into row objects, each column parsed by node-pg's type parser for its
 * type (global: MikroORM installs its parsers there), as Client.query does.
 */
class RowReader {
  readonly rows: Record<string, unknown>[] = [];
  private names: string[] = [];
  private parsers: ((text: string) => unknown)[] = [];

  describe(fields: readonly { name: string; dataTypeID: number }[]): void {
    this.names = fields.map((field) => field.name);
    this.parsers = fields.map((field) => pg.types.getTypeParser(field.dataTypeID, "text"));
  }

  read(values: readonly (string | null)[]): void {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.names.length; i++) {
      const value = values[i];
      row[this.names[i] as string] = value === null || value === undefined ? null : (this.parsers[i] as (text: string) => unknown)(value);
    }
    this.rows.push(row);
  }
}

/** The messages of the extended query protocol that this module handles instead of node-pg's Client. */
const QUERY_MESSAGES = [
  "rowDescription",
  "dataRow",
  "commandComplete",
  "readyForQuery",
  "errorMessage",
  "parseComplete",
  "bindComplete",
  "noData",
  "emptyQuery",
  "portalSuspended",
  "copyInResponse",
] as const;

interface ProtocolConnection {
  readonly stream: NodeJS.WritableStream & { cork(): void; uncork(): void };
  on(event: string, listener: (message: never) => void): void;
  removeAllListeners(event: string): void;
  parse(query: { name: string; text: string; types: never[] }): void;
  bind(config: { statement: string; values: (string | Buffer | null)[] }): void;
  describe(message: { type: "P"; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
}

export class ConnectionLostError extends Error {
  constructor(cause: unknown) {
    super(`the database connection was lost: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ConnectionLostError";
  }
}

export class PipelinedConnection {
  /** Asked for, not yet written. */
  private outbox: Waiting[] = [];
  /** Written, in order, waiting for their ReadyForQuery. */
  private readonly sent: Sent[] = [];
  private sentHead = 0;
  /** Statement names parsed (or being parsed) on this connection. */
  private readonly prepared = new Set<string>();
  private flushScheduled = false;
  private lost: Error | undefined;
  private ended: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly connection: ProtocolConnection;

  private constructor(
    private readonly client: pg.Client,
    private readonly answerTimeoutMs: number,
  ) {
    this.connection = (client as unknown as { connection: ProtocolConnection }).connection;
    for (const event of QUERY_MESSAGES) this.connection.removeAllListeners(event);
    this.connection.on("rowDescription", (message: { fields: pg.FieldDef[] }) => this.head()?.rows.describe(message.fields));
    this.connection.on("dataRow", (message: { fields: (string | null)[] }) => this.head()?.rows.read(message.fields));
    this.connection.on("errorMessage", (error: Error) => {
      const head = this.head();
      if (head) head.error ??= error;
    });
    this.connection.on("readyForQuery", () => this.settleHead());
    // After connecting, node-pg's Client reports a broken connection as 'error' and then 'end'.
    client.on("error", (error) => this.fail(error));
    client.on("end", () => this.fail(new Error("connection ended")));
  }

  static async open(config: pg.ClientConfig, answerTimeoutMs: number): Promise<PipelinedConnection> {
    const client = new pg.Client(config);
    await client.connect();
    return new PipelinedConnection(client, answerTimeoutMs);
  }

  /** Statements asked for and not answered yet. */
  get inFlight(): number {
    return this.outbox.length + this.sent.length - this.sentHead;
  }

  get isLost(): boolean {
    return this.lost !== undefined;
  }

  run(statement: Statement): Promise<unknown[]> {
    if (this.lost) return Promise.reject(this.lost);
    let values: (string | Buffer | null)[];
    try {
      // Mapped now, so that a value node-pg cannot send fails this statement alone, before any
      // of its messages is written.
      values = statement.values.map((value) => pgUtils.prepareValue(value));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.outbox.push({ statement, values, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  close(): Promise<void> {
    this.fail(new Error("connection closed"));
    return this.end();
  }

  private end(): Promise<void> {
    this.ended ??= this.client.end().catch(() => undefined);
    return this.ended;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.lost) return;
    const batch = this.outbox;
    this.outbox = [];
    const { connection } = this;
    const sentAt = performance.now();
    connection.stream.cork();
    let written = 0;
    try {
      for (const waiting of batch) {
        const { name, text } = waiting.statement;
        const parsed = !this.prepared.has(name);
        if (parsed) {
          connection.parse({ name, text, types: [] });
          this.prepared.add(name);
        }
        connection.bind({ statement: name, values: waiting.values });
        connection.describe({ type: "P", name: "" });
        connection.execute({ portal: "", rows: 0 });
        connection.sync();
        this.sent.push({ ...waiting, parsed, sentAt, rows: new RowReader() });
        written++;
      }
      this.watch(this.answerTimeoutMs);
    } catch (error) {
      // Not expected (the values were mapped in run), but the stream may now hold half a
      // statement: nothing more can be trusted on this connection.
      this.outbox = [...batch.slice(written), ...this.outbox];
      this.fail(error);
    } finally {
      connection.stream.uncork();
    }
  }

  /** Arms the watchdog, unless it is armed: it checks the oldest statement's age in `delayMs`. */
  private watch(delayMs: number): void {
    if (this.watchdog) return;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      const head = this.head();
      if (!head || this.lost) return;
      const waited = performance.now() - head.sentAt;
      if (waited >= this.answerTimeoutMs) this.fail(new Error(`no answer from the database for ${Math.round(waited)} ms`));
      else this.watch(this.answerTimeoutMs - waited);
    }, delayMs);
    // Waiting statements keep the process alive anyway; an idle connection must not.
    this.watchdog.unref();
  }

  private head(): Sent | undefined {
    return this.sent[this.sentHead];
  }

  private settleHead(): void {
    const head = this.head();
    if (!head) return;
    this.sentHead++;
    // Compact now and then rather than shifting on every answer.
    if (this.sentHead > 64 && this.sentHead * 2 > this.sent.length) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    if (head.error) {
      // A Parse that failed left no statement behind: the next use of the name parses again.
      if (head.parsed) this.prepared.delete(head.statement.name);
      head.reject(head.error);
    } else head.resolve(head.rows.rows);
  }

  /** Fails everything asked for and not answered, and every later call. */
  private fail(cause: unknown): void {
    if (this.lost) return;
    this.lost = new ConnectionLostError(cause);
    clearTimeout(this.watchdog);
    const unanswered = [...this.sent.slice(this.sentHead), ...this.outbox];
    this.sent.length = 0;
    this.sentHead = 0;
    this.outbox = [];
    for (const waiting of unanswered) waiting.reject(this.lost);
    void this.end();
  }
}
