// The language of an account e-mail: the user's own `locale` (set by an administrator or SCIM),
// else the tenant's `default_locale` (src/i18n/locales.ts). One indexed lookup
// (TenantRowRepository.locales), made in the background with the delivery, never on the request's path.
import { normalizeEmail } from "../sdk/identity-normalization.js";
import { chooseLocale } from "../i18n/locales.js";
import type { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import type { MailLocaleOf } from "./account-mail.js";

export function mailLocaleOf(repositoriesOf: (tenantId: string) => TenantRepositories): MailLocaleOf {
  return async (tenantId, to) => chooseLocale(await repositoriesOf(tenantId).tenant.locales(normalizeEmail(to)));
}
