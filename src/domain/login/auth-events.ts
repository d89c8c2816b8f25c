// The audit trail of authentication attempts. Events are buffered and written in batches (one
// INSERT per batch, at most every 200 ms or 500 events), so that recording them adds no database
// round trip to a login; the buffer is flushed on shutdown (persistence/repositories/auth-event-log.ts
// writes a batch in one statement).
import type { Logger } from "../../logging/logger.js";
import type { AuthEventLog } from "../../persistence/repositories/auth-event-log.js";

export type AuthEventKind = "challenge" | "authenticate" | "register" | "change" | "reset_request" | "reset" | "verify_email" | "mfa";

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

/** An event as buffered: the caller's (never changed: its fields are read-only) and when. */
interface Buffered {
  readonly event: AuthEventInput;
  readonly at: number;
}

export class AuthEventRecorder {
  private buffer: Buffered[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  constructor(
    private readonly log: AuthEventLog,
    private readonly logger: Logger,
    /** Told of every event as it is recorded (the metrics count them). */
    private readonly observe: (event: AuthEventInput) => void = () => undefined,
  ) {}

  record(event: AuthEventInput): void {
    this.observe(event);
    // Kept as given, with the time as a number: no copy of the event, and no Date at all (the
    // statement makes the timestamps).
    this.buffer.push({ event, at: Date.now() });
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

  private async write(batch: Buffered[]): Promise<void> {
    try {
      await this.log.append(
        batch.map(({ event: e, at }) => ({
          tenantId: e.tenantId,
          atMs: at,
          kind: e.kind,
          outcome: e.outcome,
          reason: e.reason ?? "",
          username: e.username ?? "",
          userId: e.userId ?? null,
          ip: e.ip ?? "",
          userAgent: e.userAgent ?? "",
          clientId: e.clientId ?? null,
          logData: boundedLogData(e.logData),
        })),
      );
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
