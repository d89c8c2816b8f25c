// A few pipelined connections (pipelined-connection.ts) shared by every plain statement of the
// process: each statement goes to the open connection with the fewest statements in flight, so
// that the statements of one busy moment share a write, and Postgres still works on up to `size`
// of them at once. Connections open when first needed and again after one is lost; a statement
// waits for a connection only when none is open.
import type pg from "pg";
import type { Logger } from "../logging/logger.js";
import { PipelinedConnection } from "./pipelined-connection.js";
import type { Statement, StatementRunner } from "./plain-sql.js";

export class StatementPipelines implements StatementRunner {
  private readonly open: (PipelinedConnection | undefined)[];
  private readonly opening: (Promise<PipelinedConnection> | undefined)[];
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    size: number,
    /** A connection that answers nothing for this long while statements wait is given up (pipelined-connection.ts). */
    private readonly answerTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.open = new Array(size).fill(undefined);
    this.opening = new Array(size).fill(undefined);
  }

  run(statement: Statement): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error("the database connections are closed"));
    let best: PipelinedConnection | undefined;
    let freeSlot = -1;
    for (let slot = 0; slot < this.open.length; slot++) {
      let connection = this.open[slot];
      if (connection?.isLost) {
        connection = undefined;
        this.open[slot] = undefined;
      }
      if (connection) {
        if (!best || connection.inFlight < best.inFlight) best = connection;
      } else if (freeSlot < 0 && !this.opening[slot]) freeSlot = slot;
    }
    // Another connection opens (in the background) only while every open one is busy.
    if (freeSlot >= 0 && (!best || best.inFlight > 0)) {
      const opened = this.connect(freeSlot);
      if (!best) return opened.then((connection) => connection.run(statement));
    }
    if (best) return best.run(statement);
    // Every slot is opening: wait for the first to open (or, if none does, fail as the first did).
    return Promise.any(this.opening.filter((p) => p !== undefined)).then(
      (connection) => connection.run(statement),
      (error: AggregateError) => Promise.reject(error.errors[0]),
    );
  }

  /** Open connections and the statements they carry now (metrics). */
  state(): { connections: number; inFlight: number } {
    const open = this.open.filter((connection) => connection !== undefined && !connection.isLost) as PipelinedConnection[];
    return { connections: open.length, inFlight: open.reduce((sum, connection) => sum + connection.inFlight, 0) };
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = await Promise.allSettled(this.opening.filter((p) => p !== undefined));
    const connections = new Set([...this.open, ...opening.map((o) => (o.status === "fulfilled" ? o.value : undefined))]);
    await Promise.all([...connections].map((connection) => connection?.close()));
  }

  private connect(slot: number): Promise<PipelinedConnection> {
    const opening = PipelinedConnection.open(this.config, this.answerTimeoutMs).then(
      (connection) => {
        this.opening[slot] = undefined;
        if (this.closed) {
          void connection.close();
          throw new Error("the database connections are closed");
        }
        this.open[slot] = connection;
        return connection;
      },
      (error: unknown) => {
        this.opening[slot] = undefined;
        this.logger.warn({ err: error }, "could not open a pipelined database connection");
        throw error;
      },
    );
    // A background open that fails is logged above; nobody else may be waiting for it.
    opening.catch(() => undefined);
    this.opening[slot] = opening;
    return opening;
  }
}
