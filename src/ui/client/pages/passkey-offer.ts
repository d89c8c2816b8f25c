// The offer to add a passkey after a PIN/pattern sign-in (/ui/account/passkey-offer): Sign In sends
// the browser here, signed in, before the application, when the tenant has passkeys and the person
// holds none (Authorization.signIn, `offer_passkey`). "Add a passkey" registers one for the session's
// person (the sign-in is seconds old: no "Confirm it is you"); "Not now" and "Continue" go on to
// the application through /ui/account/continue, which issues the code — "Not now" also stops the
// offer in this browser for a while. A browser without WebAuthn goes on at once.
import type { HostedPageData } from "../../page-data.js";
import { factorsOf } from "../../factors.js";
import { accountApi } from "../account-api.js";
import { pageFrame } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";
import { passkeysSupported } from "../passkeys.js";
import { accountFailureMessage } from "./security.js";

export function passkeyOfferPage(data: HostedPageData): void {
  const frame = pageFrame(data, t("offer.title"));
  const account = data.account;
  if (!account || !data.authReqId) return;
  const onwards = (later: boolean) =>
    `/ui/account/continue?${new URLSearchParams({ auth_req_id: data.authReqId as string, ...(later ? { later: "1" } : {}) })}`;
  const api = accountApi(data);

  const add = async () => {
    frame.notice.clear();
    try {
      await api.addPasskey("");
      const next = h("a", { class: "button primary", href: onwards(false) }, t("common.continue"));
      replaceChildren(frame.body, h("p", { role: "status" }, t("offer.done")), next);
      next.focus();
    } catch (error) {
      frame.notice.error(accountFailureMessage(error, account.hasSecret));
    }
  };

  const addButton = h("button", { type: "button", class: "primary", onclick: () => void add() }, t("account.add"));
  replaceChildren(
    frame.body,
    h("p", {}, t("offer.body", { factors: factorsOf(data.tenant) })),
    h("div", { class: "actions" }, addButton, h("a", { class: "button secondary", href: onwards(true) }, t("offer.later"))),
  );
  addButton.focus();
  void passkeysSupported().then((supported) => {
    if (!supported) location.replace(onwards(false));
  });
}
