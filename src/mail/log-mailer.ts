// Development stand-in for SMTP: writes each message to the log instead of sending it.
//
// THIS IS THE ONE PLACE WHERE A SECRET REACHES THE LOG. A message's text carries a verification or
// reset code, and it is logged on purpose, only because SMTP_URL is unset (no mail server is
// configured) so that a developer can still complete those flows. Configure SMTP_URL in any
// deployment that real users reach (docs/operations.md, "E-mail").
import type { Logger } from "../logging/logger.js";
import type { MailMessage, Mailer } from "./mailer.js";

export const DEV_MAIL_LOG_MESSAGE = "DEVELOPMENT MAIL — not sent (SMTP_URL is unset)";

export class LogMailer implements Mailer {
  constructor(private readonly logger: Logger) {}

  async send(message: MailMessage): Promise<void> {
    // The HTML rendering says the same as the text; it would only add noise.
    this.logger.warn({ devMail: { to: message.to, subject: message.subject, text: message.text } }, DEV_MAIL_LOG_MESSAGE);
  }
}
