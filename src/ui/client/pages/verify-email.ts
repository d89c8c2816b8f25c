// The landing page of the verification e-mail's link. The code is used only when the person
// presses the button: mail scanners that open links must not use it up.
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { busy } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";

export function verifyEmailPage(data: HostedPageData): void {
  const frame = pageFrame(data, "Confirm your e-mail address");
  const code = data.params.code ?? "";
  if (!code) {
    frame.notice.error("This link has no code. Please open the link from the e-mail again.");
    return;
  }
  preloadSdk();
  const confirm = h(
    "button",
    {
      type: "button",
      class: "primary",
      onclick: async () => {
        replaceChildren(frame.body, busy("Confirming…"));
        try {
          await (await authClient(data)).verifyEmail(code);
          frame.setTitle("Your e-mail address is confirmed");
          replaceChildren(frame.body, h("p", {}, "Thank you. You can close this window."));
        } catch {
          frame.setTitle("This link cannot be used");
          replaceChildren(frame.body, h("p", {}, "The link is wrong, already used or too old. Sign in to get a new one."));
        }
      },
    },
    "Confirm my address",
  );
  replaceChildren(frame.body, h("p", {}, "Press the button to confirm that this address is yours."), confirm);
  confirm.focus();
}
