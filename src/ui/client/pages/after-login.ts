// The endings a login can have besides going straight back to the application.
import type { HostedPageData } from "../../page-data.js";
import { signInUrl } from "../components/forms.js";
import type { PageFrame } from "../components/page-frame.js";
import { safeUrl } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";

/** `need_verify`: the address is not confirmed yet; say so before continuing. */
export function confirmEmailThenContinue(frame: PageFrame, nonce: string, authReqId: string): void {
  frame.setTitle(t("needVerify.title"));
  const next = h("a", { class: "button primary", href: signInUrl(nonce, authReqId) }, t("common.continue"));
  replaceChildren(frame.body, h("p", {}, t("needVerify.body")), next);
  next.focus();
}

/** The authorization request expired while the page was open: only the application can start again. */
export function requestExpired(frame: PageFrame, data: HostedPageData): void {
  frame.setTitle(t("expired.title"));
  const back = safeUrl(data.client?.clientUri);
  replaceChildren(
    frame.body,
    h("p", {}, t("expired.body")),
    back ? h("a", { class: "button primary", href: back }, t("common.backToApp", { app: data.client?.name ?? "" })) : null,
  );
}
