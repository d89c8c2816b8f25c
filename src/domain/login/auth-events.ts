// The audit trail of authentication attempts. Events are buffered and written in batches (one
// INSERT per batch, at most every 200 ms or 500 events), so that recording them adds no database
// round trip to a login; the buffer is flushed on shutdown. A batch is one column array per
// column (unnest), so every batch size is the same prepared statement (persistence/plain-sql.ts).
import type { Logger } from "../../logging/logger.js";
import type { PlainSql } from "../../persistence/plain-sql.js";
import { sql } from "../../persistence/sql-fragment.js";

export type AuthEventKind = "challenge" | "authenticate" | "register" | "change" | "reset_request" | "reset" | "verify_email";

export interface AuthEventInput {
  readonly tenantId: string;
  readonly kind: AuthEventKind;
  readonly outcome: "success" | "failure";
  readonly reason?: string;
  readonly username?: string;
  readonly userId?: string | null;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly clientId?: string | null;
  readonly logData?: Record<string, unknown> | null;
}

const MAX_BATCH = 500;
const FLUSH_MS = 200;
const MAX_LOG_DATA_BYTES = 4096;

export class AuthEventRecorder {
  private buffer: (AuthEventInput & { at: Date })[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  constructor(
    private readonly db: PlainSql,
    private readonly logger: Logger,
  ) {}

  record(event: AuthEventInput): void {
    this.buffer.push({ ...event, at: new Date() });
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: (AuthEventInput & { at: Date })[]): Promise<void> {
    const column = <T>(of: (event: AuthEventInput & { at: Date }) => T) => batch.map(of);
    try {
      await this.db.rows(sql`insert into auth_event (tenant_id, at, kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data)
        select * from unnest(${column((e) => e.tenantId)}::varchar[], ${column((e) => e.at.toISOString())}::timestamptz[],
          ${column((e) => e.kind)}::varchar[], ${column((e) => e.outcome)}::varchar[], ${column((e) => (e.reason ?? "").slice(0, 64))}::varchar[],
          ${column((e) => (e.username ?? "").slice(0, 128))}::varchar[], ${column((e) => e.userId ?? null)}::uuid[],
          ${column((e) => (e.ip ?? "").slice(0, 45))}::varchar[], ${column((e) => (e.userAgent ?? "").slice(0, 512))}::varchar[],
          ${column((e) => e.clientId ?? null)}::varchar[], ${column((e) => boundedLogData(e.logData))}::jsonb[])`);
    } catch (error) {
      this.logger.error({ err: error, events: batch.length }, "could not record authentication events");
    }
  }
}

/** Client-supplied context, kept only when small: it is data, never trusted. */
function boundedLogData(logData: Record<string, unknown> | null | undefined): string | null {
  if (!logData) return null;
  // jsonb refuses the NUL character (\u0000), and one such value would fail the whole batch.
  const json = JSON.stringify(logData).replace(ESCAPED_NUL, "$1\\ufffd");
  return Buffer.byteLength(json) <= MAX_LOG_DATA_BYTES ? json : JSON.stringify({ truncated: true });
}

/** `\u0000` in JSON text, not preceded by an odd number of backslashes (that would be a literal "\u0000"). */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;
