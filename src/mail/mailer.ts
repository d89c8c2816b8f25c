// What the rest of the service needs to send an e-mail, whatever carries it.

/** One e-mail to one recipient: the plain-text and HTML renderings of the same content. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  /**
   * Hands the message over for delivery. Rejects with a {@link MailDeliveryError} when that fails;
   * it never throws synchronously and never takes the process down. Callers that must not wait
   * (the auth flows) fire and forget, and log the rejection.
   */
  send(message: MailMessage): Promise<void>;
}

/**
 * A message could not be handed to the SMTP server. The message says why, self-contained (the
 * library's error is not attached: its text is already in the message), and never carries
 * credentials. The fields are not called `code`: the logger redacts every `*.code`.
 */
export class MailDeliveryError extends Error {
  /** The SMTP library's error code, e.g. `ECONNECTION`, `ETIMEDOUT`, `ESOCKET`, `EAUTH`, `EENVELOPE`. */
  readonly smtpCode: string | undefined;
  /** The SMTP reply code when the server refused, e.g. 535 or 550. */
  readonly smtpResponseCode: number | undefined;

  constructor(message: string, details: { smtpCode?: string | undefined; smtpResponseCode?: number | undefined } = {}) {
    super(message);
    this.name = "MailDeliveryError";
    this.smtpCode = details.smtpCode;
    this.smtpResponseCode = details.smtpResponseCode;
  }
}
