// Entry point of the hosted pages: reads the data the server embedded and draws the page it names.
import { type HostedPageData, PAGE_DATA_ELEMENT_ID } from "../page-data.js";
import { loginPage } from "./pages/login.js";
import { logoutPage } from "./pages/logout.js";
import { registerPage } from "./pages/register.js";
import { resetPasswordPage } from "./pages/reset-password.js";
import { verifyEmailPage } from "./pages/verify-email.js";

const PAGES: Readonly<Record<HostedPageData["page"], (data: HostedPageData) => void>> = {
  login: loginPage,
  register: registerPage,
  "reset-password": resetPasswordPage,
  "verify-email": verifyEmailPage,
  logout: logoutPage,
};

const element = document.getElementById(PAGE_DATA_ELEMENT_ID);
if (element?.textContent) {
  const data = JSON.parse(element.textContent) as HostedPageData;
  PAGES[data.page](data);
}
