// The endings a login can have besides going straight back to the application.
import type { HostedPageData } from "../../page-data.js";
import { signInUrl } from "../components/forms.js";
import type { PageFrame } from "../components/page-frame.js";
import { safeUrl } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";

/** `need_verify`: the address is not confirmed yet; say so before continuing. */
export function confirmEmailThenContinue(frame: PageFrame, nonce: string, authReqId: string): void {
  frame.setTitle("Please confirm your e-mail address");
  const next = h("a", { class: "button primary", href: signInUrl(nonce, authReqId) }, "Continue");
  replaceChildren(
    frame.body,
    h("p", {}, "We have sent you an e-mail with a link to confirm your address. Please open it when you can."),
    next,
  );
  next.focus();
}

/** The authorization request expired while the page was open: only the application can start again. */
export function requestExpired(frame: PageFrame, data: HostedPageData): void {
  frame.setTitle("This sign-in has expired");
  const back = safeUrl(data.client?.clientUri);
  replaceChildren(
    frame.body,
    h("p", {}, "The sign-in request is too old to finish. Please go back to the application and sign in again."),
    back ? h("a", { class: "button primary", href: back }, `Back to ${data.client?.name ?? "the application"}`) : null,
  );
}
