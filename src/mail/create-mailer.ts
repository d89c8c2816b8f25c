// Picks the mailer the configuration asks for: SMTP when SMTP_URL is set, else the log.
import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import { LogMailer } from "./log-mailer.js";
import type { Mailer } from "./mailer.js";
import { SmtpMailer } from "./smtp-mailer.js";

export function createMailer(config: Pick<Config, "smtpUrl" | "smtpFrom">, logger: Logger): Mailer {
  if (config.smtpUrl !== undefined) return new SmtpMailer({ url: config.smtpUrl, from: config.smtpFrom });
  logger.warn("SMTP_URL is unset: e-mails are written to the log (codes included) instead of being sent; set SMTP_URL in production");
  return new LogMailer(logger);
}
