// The landing page of the verification e-mail's link. The code is used only when the person
// presses the button: mail scanners that open links must not use it up.
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { busy } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";

export function verifyEmailPage(data: HostedPageData): void {
  const frame = pageFrame(data, t("verify.title"));
  const code = data.params.code ?? "";
  if (!code) {
    frame.notice.error(t("verify.noCode"));
    return;
  }
  preloadSdk();
  const confirm = h(
    "button",
    {
      type: "button",
      class: "primary",
      onclick: async () => {
        replaceChildren(frame.body, busy(t("busy.confirming")));
        try {
          await (await authClient(data)).verifyEmail(code);
          frame.setTitle(t("verify.done"));
          replaceChildren(frame.body, h("p", {}, t("common.close")));
        } catch {
          frame.setTitle(t("verify.failed"));
          replaceChildren(frame.body, h("p", {}, t("verify.failedBody")));
        }
      },
    },
    t("verify.confirm"),
  );
  replaceChildren(frame.body, h("p", {}, t("verify.explain")), confirm);
  confirm.focus();
}
