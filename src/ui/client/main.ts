// Entry point of the hosted pages: reads the data the server embedded, loads the messages of the
// page's language (preloaded by the page, so they arrive with this script), and draws the page.
import type { Messages } from "../../i18n/translator.js";
import { type HostedPageData, PAGE_DATA_ELEMENT_ID } from "../page-data.js";
import { useMessages } from "./i18n.js";
import { loginPage } from "./pages/login.js";
import { logoutPage } from "./pages/logout.js";
import { passkeyOfferPage } from "./pages/passkey-offer.js";
import { registerPage } from "./pages/register.js";
import { resetPasswordPage } from "./pages/reset-password.js";
import { securityPage } from "./pages/security.js";
import { verifyEmailPage } from "./pages/verify-email.js";

const PAGES: Readonly<Record<HostedPageData["page"], (data: HostedPageData) => void>> = {
  login: loginPage,
  register: registerPage,
  "reset-password": resetPasswordPage,
  "verify-email": verifyEmailPage,
  logout: logoutPage,
  security: securityPage,
  "passkey-offer": passkeyOfferPage,
};

const element = document.getElementById(PAGE_DATA_ELEMENT_ID);
if (element?.textContent) {
  const data = JSON.parse(element.textContent) as HostedPageData;
  const { default: messages } = (await import(data.messages)) as { default: Messages };
  useMessages(data.locale, messages);
  PAGES[data.page](data);
}
