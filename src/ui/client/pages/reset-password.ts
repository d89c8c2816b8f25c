// Reset: ask for a code by e-mail (username + address; the answer is the same whether or not the
// account exists), then the code — typed, or from the e-mail's link — the username and the new
// secret chosen twice; Reset Password Code through the SDK.
import { SvaultAuthError } from "../../../sdk/errors.js";
import { encodeSecret } from "../../../sdk/secret.js";
import { factorsOf } from "../../factors.js";
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { busy, field, linkRow, pageUrl, primaryButton, submitForm } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { chooseSecret, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { describeFailure } from "../error-messages.js";
import { t, tNodes } from "../i18n.js";

export function resetPasswordPage(data: HostedPageData): void {
  const factors = factorsOf(data.tenant);
  const frame = pageFrame(data, t("secret.reset", { factors }));
  let username = "";
  let code = data.params.code ?? "";
  // The e-mail's link carries the code: the field shows only when it was typed or turned out wrong.
  let showCodeField = !code;
  preloadSdk();

  const backToSignIn = () => (data.authReqId ? linkRow(h("a", { href: pageUrl("login", data) }, t("common.backToSignIn"))) : null);

  const askAccount = () => {
    if (!data.tenant.hasUsernameAndEmail) {
      frame.notice.error(t("reset.noEmail", { factors }));
      replaceChildren(frame.body, backToSignIn());
      return;
    }
    const user = field({ label: t("common.username"), name: "username", autocomplete: "username", value: username });
    const mail = field({ label: t("common.email"), name: "email", type: "email", autocomplete: "email", maxLength: 254 });
    const form = submitForm(
      async () => {
        username = user.input.value.trim();
        if (!username || !mail.input.value.trim() || !mail.input.checkValidity()) {
          frame.notice.error(t("reset.accountMissing"));
          return;
        }
        replaceChildren(frame.body, busy(t("busy.sending")));
        try {
          await (await authClient(data)).requestReset({ username, email: mail.input.value.trim() });
          frame.notice.info(t("reset.codeSent"));
          askCode();
        } catch (error) {
          frame.notice.error(describeFailure(error));
          askAccount();
        }
      },
      h("p", {}, t("reset.intro", { factors })),
      user.element,
      mail.element,
      primaryButton(t("reset.sendCode")),
    );
    replaceChildren(
      frame.body,
      form,
      linkRow(h("button", { type: "button", class: "link", onclick: () => askCode() }, t("reset.haveCode")), backToSignIn()),
    );
    user.input.focus();
  };

  const askCode = () => {
    const codeField = field({ label: t("reset.code"), name: "code", autocomplete: "one-time-code", value: code, maxLength: 4096 });
    const user = field({ label: t("common.username"), name: "username", autocomplete: "username", value: username });
    const form = submitForm(
      () => {
        code = codeField.input.value.trim();
        username = user.input.value.trim();
        if (!code || !username) {
          frame.notice.error(t("reset.codeMissing"));
          return;
        }
        void askSecret();
      },
      showCodeField ? codeField.element : null,
      user.element,
      primaryButton(t("common.continue")),
    );
    replaceChildren(frame.body, form, backToSignIn());
    (showCodeField ? codeField.input : user.input).focus();
  };

  const askSecret = async () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(frame.body, h("p", { class: "signed-as" }, ...tNodes("reset.newFor", { username })), slot);
    const input = await chooseSecret(slot, data.tenant, frame.notice);
    replaceChildren(slot, busy(t("busy.saving")));
    try {
      const client = await authClient(data);
      await client.resetWithCode({
        code,
        username,
        secret: encodeSecret(secretPolicy(data.tenant), input),
        protoVersion: data.protoVersion,
      });
      frame.notice.clear();
      frame.setTitle(t("reset.done", { factors }));
      replaceChildren(frame.body, h("p", {}, t("reset.signInNow", { factors })), backToSignIn());
    } catch (error) {
      frame.notice.error(
        error instanceof SvaultAuthError && (error.status === 400 || error.status === 401 || error.status === 404)
          ? t("reset.codeWrong")
          : describeFailure(error),
      );
      showCodeField = true;
      askCode();
    }
  };

  if (code) askCode();
  else askAccount();
}
