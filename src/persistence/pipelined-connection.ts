// One Postgres connection that runs independent statements pipelined: every statement asked for
// while the process is busy goes out in one socket write at the next tick, each as its own
// Bind/Execute/Sync (and Parse and Describe the first time its name is used on this connection),
// and the answers come back in order. Each statement still runs on its own, committed as it
// completes: the Sync after each one ends its implicit transaction, so an error fails that
// statement only and Postgres carries on with the next.
//
// The statement's messages are written when it is asked for, into the one buffer of the tick
// (statement-messages.ts): the row description comes once per name, with its Parse, and is kept
// here; executions carry only their values (docs/performance.md, "The login's database client").
//
// Why: node-pg's Client runs one statement at a time, and on a pooled connection every statement
// costs its own socket write, its own wake-up of a Postgres backend and of this process, and its
// own pass through the pool. On a login's short statements that per-statement overhead is most of
// what the database costs this process; here it is shared by the statements of a whole tick
// (docs/performance.md, bench/results/auth.md).
//
// node-pg does the connecting (TLS, SCRAM, startup) and reads the answers (pg-protocol's parser);
// this module then takes over the messages of the extended query protocol on that connection,
// writes its own, and never calls `client.query`.
//
// Answers come in order, so a connection on which the oldest statement has waited longer than the
// answer timeout is stuck as a whole (a frozen database, or one cut off without a reset): it is
// given up, failing everything it carries, and the next statement opens a new one. A watchdog
// timer per connection checks the oldest statement's age; statements only carry the time of the
// write they went out in.
import pg from "pg";
import type { Statement } from "./plain-sql.js";
import { StatementMessages } from "./statement-messages.js";

/**
 * A statement name as prepared on this connection: whether its Parse went through, and the columns
 * of its rows, from the Describe sent with the Parse. Its rows then come without a description of
 * their own: each column is parsed by node-pg's type parser for its type (global: MikroORM installs
 * its parsers there), as Client.query does.
 */
class PreparedStatement {
  /** ParseComplete came: the statement exists on the connection, whatever its first run does. */
  parsed = false;
  private names: string[] = [];
  private parsers: ((text: string) => unknown)[] = [];

  describe(fields: readonly { name: string; dataTypeID: number }[]): void {
    this.names = fields.map((field) => field.name);
    this.parsers = fields.map((field) => pg.types.getTypeParser(field.dataTypeID, "text"));
  }

  row(values: readonly (string | null)[]): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    const { names, parsers } = this;
    for (let i = 0; i < names.length; i++) {
      const value = values[i];
      row[names[i] as string] = value === null || value === undefined ? null : (parsers[i] as (text: string) => unknown)(value);
    }
    return row;
  }
}

/** A statement asked for: its messages are written (or about to be), its answer awaited. */
class Pending {
  /** performance.now() of the write that sent it. */
  sentAt = 0;
  error: Error | undefined;
  readonly rows: Record<string, unknown>[] = [];

  constructor(
    readonly name: string,
    readonly prepared: PreparedStatement,
    /** Whether this statement's messages included the Parse of its name. */
    readonly parses: boolean,
    readonly resolve: (rows: unknown[]) => void,
    readonly reject: (error: Error) => void,
  ) {}
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
  readonly stream: NodeJS.WritableStream;
  on(event: string, listener: (message: never) => void): void;
  removeAllListeners(event: string): void;
}

export class ConnectionLostError extends Error {
  constructor(cause: unknown) {
    super(`the database connection was lost: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ConnectionLostError";
  }
}

export class PipelinedConnection {
  /** Asked for, not yet written: their messages wait in `messages`. */
  private outbox: Pending[] = [];
  private readonly messages = new StatementMessages();
  /** Written, in order, waiting for their ReadyForQuery. */
  private readonly sent: Pending[] = [];
  private sentHead = 0;
  /** Statement names parsed (or being parsed) on this connection. */
  private readonly prepared = new Map<string, PreparedStatement>();
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
    this.connection.on("parseComplete", () => {
      const head = this.head();
      if (head) head.prepared.parsed = true;
    });
    // Answers the Describe sent with a Parse (a statement without rows answers NoData: no columns).
    this.connection.on("rowDescription", (message: { fields: pg.FieldDef[] }) => this.head()?.prepared.describe(message.fields));
    this.connection.on("dataRow", (message: { fields: (string | null)[] }) => {
      const head = this.head();
      head?.rows.push(head.prepared.row(message.fields));
    });
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
    const { name } = statement;
    let prepared = this.prepared.get(name);
    const parses = prepared === undefined;
    try {
      // Written now, so that a value node-pg cannot send fails this statement alone, before any
      // of its messages is written.
      this.messages.statement(name, parses ? statement.text : undefined, statement.values);
    } catch (error) {
      return Promise.reject(error);
    }
    if (prepared === undefined) {
      prepared = new PreparedStatement();
      this.prepared.set(name, prepared);
    }
    const described = prepared;
    return new Promise((resolve, reject) => {
      this.outbox.push(new Pending(name, described, parses, resolve, reject));
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

  /** Sends the statements asked for since the last flush: their messages in one write. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.lost) return;
    const batch = this.outbox;
    this.outbox = [];
    const bytes = this.messages.take();
    const sentAt = performance.now();
    for (const pending of batch) {
      pending.sentAt = sentAt;
      this.sent.push(pending);
    }
    this.watch(this.answerTimeoutMs);
    const { stream } = this.connection;
    try {
      // As node-pg's own writes: nothing on a stream that is closing; its 'end' fails what it carried.
      if (stream.writable) stream.write(bytes);
    } catch (error) {
      this.fail(error);
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

  private head(): Pending | undefined {
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
      // A Parse that failed left no statement behind: the next use of the name parses again. (One
      // that went through leaves it, whatever became of the statement's run.)
      if (head.parses && !head.prepared.parsed && this.prepared.get(head.name) === head.prepared) this.prepared.delete(head.name);
      head.reject(head.error);
    } else head.resolve(head.rows);
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
    for (const pending of unanswered) pending.reject(this.lost);
    void this.end();
  }
}
