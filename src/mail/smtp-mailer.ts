// Delivers e-mail over SMTP (nodemailer), to the server named by SMTP_URL. nodemailer (a few MiB
// of memory) is loaded with the first e-mail, not at start-up (docs/performance.md, "Memory").
import type { createTransport, Transporter } from "nodemailer";
import { MailDeliveryError, type MailMessage, type Mailer } from "./mailer.js";

export interface SmtpMailerOptions {
  /** `smtp://[user:pass@]host[:port]` (STARTTLS when the server offers it; port 587 by default)
   * or `smtps://…` (TLS from the first byte; port 465 by default). Credentials are percent-decoded. */
  readonly url: string;
  /** The From header, `Name <address>` or a bare address. */
  readonly from: string;
  /** Give up when the TCP (and, for smtps, TLS) connection is not up after this long. */
  readonly connectionTimeoutMs?: number;
  /** Give up when the server has not greeted after this long. */
  readonly greetingTimeoutMs?: number;
  /** Give up when an established connection stays silent this long. */
  readonly socketTimeoutMs?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 30_000;

export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | undefined;
  private readonly transportOptions: Exclude<Parameters<typeof createTransport>[0], undefined>;
  private readonly from: string;
  /** `host:port`, for error messages: never the URL, which may carry a password. */
  private readonly server: string;

  constructor(options: SmtpMailerOptions) {
    const url = new URL(options.url);
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new TypeError("SmtpMailer needs an smtp:// or smtps:// URL");
    const secure = url.protocol === "smtps:";
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // IPv6 literals come bracketed
    const port = url.port === "" ? (secure ? 465 : 587) : Number(url.port);
    this.server = `${url.hostname}:${port}`;
    this.from = options.from;
    this.transportOptions = {
      host,
      port,
      secure,
      auth: url.username === "" ? undefined : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      greetingTimeout: options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS,
      socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    };
  }

  private transporter(): Promise<Transporter> {
    this.transport ??= import("nodemailer").then(({ createTransport }) => createTransport(this.transportOptions));
    return this.transport;
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await (await this.transporter()).sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
      throw new MailDeliveryError(`sending e-mail through SMTP server ${this.server} failed: ${detail}`, {
        smtpCode: typeof code === "string" ? code : undefined,
        smtpResponseCode: typeof responseCode === "number" ? responseCode : undefined,
      });
    }
  }

  /** Closes idle connections; nothing is pooled today, so this only releases the transport. */
  close(): void {
    void this.transport?.then((transport) => transport.close());
  }
}
