// RP-initiated logout without a valid id_token_hint: the service asks before ending the browser's
// session (OpenID Connect RP-Initiated Logout 1.0 §2), so that a link on another site cannot sign
// people out. The form posts to the logout endpoint (#6), whose same-site POST carries the
// SameSite=Lax session cookie.
import type { HostedPageData } from "../../page-data.js";
import { pageFrame, safeUrl } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";

export function logoutPage(data: HostedPageData): void {
  const frame = pageFrame(data, t("logout.signOut"));
  frame.setTitle(t("logout.title"), t("logout.signedInTo", { name: data.brand.name }));
  const hidden = Object.entries(data.params)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => h("input", { type: "hidden", name, value }));
  const back = safeUrl(data.client?.clientUri);
  const form = h(
    "form",
    { method: "post", action: "/api/v1/auth/oidc/logout" },
    ...hidden,
    h(
      "div",
      { class: "actions" },
      back ? h("a", { class: "button secondary", href: back }, t("logout.stay")) : null,
      h("button", { type: "submit", class: "primary" }, t("logout.signOut")),
    ),
  );
  replaceChildren(frame.body, form);
  (form.querySelector("button") as HTMLButtonElement).focus();
}
