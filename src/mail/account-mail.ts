// AccountMail over a Mailer: builds the links to the hosted pages and renders the templates.
// Delivery runs in the background; a failure is logged without the message or its code.
import type { AccountMail } from "../domain/login/account-mail.js";
import type { Logger } from "../logging/logger.js";
import type { Mailer } from "./mailer.js";
import { resetEmail, verificationEmail } from "./templates.js";

export function accountMail(mailer: Mailer, publicUrl: string, logger: Logger): AccountMail {
  const deliver = (kind: string, tenantId: string, send: () => Promise<void>) => {
    send().catch((error: unknown) => logger.error({ err: error, kind, tenantId }, "could not send an account e-mail"));
  };
  return {
    sendVerification({ to, code, tenantId, tenantName }) {
      const link = `${publicUrl}/ui/verify-email?${new URLSearchParams({ code, tenant_id: tenantId })}`;
      deliver("verification", tenantId, () => mailer.send(verificationEmail({ to, code, link, tenantName })));
    },
    sendReset({ to, code, tenantId, tenantName, clientId, minutesValid }) {
      const params = new URLSearchParams({ code, tenant_id: tenantId, ...(clientId ? { client_id: clientId } : {}) });
      const link = `${publicUrl}/ui/reset-password?${params}`;
      deliver("reset", tenantId, () => mailer.send(resetEmail({ to, code, link, tenantName, minutesValid })));
    },
  };
}
