// The audit trail of authentication attempts. Events are buffered and written in batches (one
// INSERT per batch, at most every 200 ms or 500 events), so that recording them adds no database
// round trip to a login; the buffer is flushed on shutdown.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "../../logging/logger.js";

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
    private readonly orm: MikroORM,
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
    const columns = "(tenant_id, at, kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data)";
    const placeholders = batch.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
    const values = batch.flatMap((e) => [
      e.tenantId,
      e.at,
      e.kind,
      e.outcome,
      (e.reason ?? "").slice(0, 64),
      (e.username ?? "").slice(0, 128),
      e.userId ?? null,
      (e.ip ?? "").slice(0, 45),
      (e.userAgent ?? "").slice(0, 512),
      e.clientId ?? null,
      boundedLogData(e.logData),
    ]);
    try {
      await this.orm.em.getConnection().execute(`insert into auth_event ${columns} values ${placeholders}`, values, "run");
    } catch (error) {
      this.logger.error({ err: error, events: batch.length }, "could not record authentication events");
    }
  }
}

/** Client-supplied context, kept only when small: it is data, never trusted. */
function boundedLogData(logData: Record<string, unknown> | null | undefined): string | null {
  if (!logData) return null;
  const json = JSON.stringify(logData);
  return Buffer.byteLength(json) <= MAX_LOG_DATA_BYTES ? json : JSON.stringify({ truncated: true });
}
