// AccountMail over a Mailer: chooses the recipient's language, builds the links to the hosted
// pages (in that language) and renders the templates. Delivery runs in the background (told to
// `track`, so that a shutdown waits for it); a failure is logged without the message or its code.
import type { AccountMail } from "../domain/login/account-mail.js";
import type { Locale } from "../i18n/locales.js";
import type { Logger } from "../logging/logger.js";
import type { Mailer } from "./mailer.js";
import { resetEmail, verificationEmail } from "./templates.js";

/** The language of a mail to `to` in a tenant (mail-locale.ts). */
export type MailLocaleOf = (tenantId: string, to: string) => Promise<Locale>;

export function accountMail(
  mailer: Mailer,
  publicUrl: string,
  logger: Logger,
  localeOf: MailLocaleOf,
  track: (work: Promise<unknown>) => void = () => {},
): AccountMail {
  const deliver = (kind: string, tenantId: string, to: string, send: (locale: Locale) => Promise<void>) => {
    track(
      localeOf(tenantId, to)
        .then(send)
        .catch((error: unknown) => logger.error({ err: error, kind, tenantId }, "could not send an account e-mail")),
    );
  };
  return {
    sendVerification({ to, code, tenantId, tenantName }) {
      deliver("verification", tenantId, to, (locale) => {
        const link = `${publicUrl}/ui/verify-email?${new URLSearchParams({ code, tenant_id: tenantId, ui_locales: locale })}`;
        return mailer.send(verificationEmail({ to, code, link, tenantName, locale }));
      });
    },
    sendReset({ to, code, tenantId, tenantName, clientId, minutesValid }) {
      deliver("reset", tenantId, to, (locale) => {
        const params = new URLSearchParams({ code, tenant_id: tenantId, ...(clientId ? { client_id: clientId } : {}), ui_locales: locale });
        return mailer.send(resetEmail({ to, code, link: `${publicUrl}/ui/reset-password?${params}`, tenantName, minutesValid, locale }));
      });
    },
  };
}
