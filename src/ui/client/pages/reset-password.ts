// Reset: ask for a code by e-mail (username + address; the answer is the same whether or not the
// account exists), then the code — typed, or from the e-mail's link — the username and the new
// secret chosen twice; Reset Password Code through the SDK.
import { encodeSecret } from "../../../sdk/secret.js";
import { SvaultAuthError } from "../../../sdk/errors.js";
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { busy, field, submitForm, linkRow, pageUrl, primaryButton } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { chooseSecret, secretNoun, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { describeFailure } from "../error-messages.js";

export function resetPasswordPage(data: HostedPageData): void {
  const noun = secretNoun(data.tenant);
  const frame = pageFrame(data, `Reset your ${noun}`);
  let username = "";
  let code = data.params.code ?? "";
  // The e-mail's link carries the code: the field shows only when it was typed or turned out wrong.
  let showCodeField = !code;
  preloadSdk();

  const backToSignIn = () => (data.authReqId ? linkRow(h("a", { href: pageUrl("login", data) }, "Back to sign in")) : null);

  const askAccount = () => {
    if (!data.tenant.hasUsernameAndEmail) {
      frame.notice.error(`Accounts here have no e-mail address to send a code to. Please ask your administrator to reset your ${noun}.`);
      replaceChildren(frame.body, backToSignIn());
      return;
    }
    const user = field({ label: "Username", name: "username", autocomplete: "username", value: username });
    const mail = field({ label: "E-mail address", name: "email", type: "email", autocomplete: "email", maxLength: 254 });
    const form = submitForm(
      async () => {
        username = user.input.value.trim();
        if (!username || !mail.input.value.trim() || !mail.input.checkValidity()) {
          frame.notice.error("Please enter your username and a valid e-mail address.");
          return;
        }
        replaceChildren(frame.body, busy("Sending…"));
        try {
          await (await authClient(data)).requestReset({ username, email: mail.input.value.trim() });
          frame.notice.info("If the username and address match an account, a code is on its way. It is valid for a short time.");
          askCode();
        } catch (error) {
          frame.notice.error(describeFailure(error, noun));
          askAccount();
        }
      },
      h("p", {}, `We will e-mail you a code to choose a new ${noun}.`),
      user.element,
      mail.element,
      primaryButton("Send code"),
    );
    replaceChildren(
      frame.body,
      form,
      linkRow(h("button", { type: "button", class: "link", onclick: () => askCode() }, "I already have a code"), backToSignIn()),
    );
    user.input.focus();
  };

  const askCode = () => {
    const codeField = field({ label: "Code from the e-mail", name: "code", autocomplete: "one-time-code", value: code, maxLength: 4096 });
    const user = field({ label: "Username", name: "username", autocomplete: "username", value: username });
    const form = submitForm(
      () => {
        code = codeField.input.value.trim();
        username = user.input.value.trim();
        if (!code || !username) {
          frame.notice.error("Please enter the code and your username.");
          return;
        }
        void askSecret();
      },
      showCodeField ? codeField.element : null,
      user.element,
      primaryButton("Continue"),
    );
    replaceChildren(frame.body, form, backToSignIn());
    (showCodeField ? codeField.input : user.input).focus();
  };

  const askSecret = async () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(frame.body, h("p", { class: "signed-as" }, `New ${noun} for `, h("strong", {}, username)), slot);
    const input = await chooseSecret(slot, data.tenant, frame.notice);
    replaceChildren(slot, busy("Saving…"));
    try {
      const client = await authClient(data);
      await client.resetWithCode({ code, username, secret: encodeSecret(secretPolicy(data.tenant), input) });
      frame.notice.clear();
      frame.setTitle(`Your ${noun} has been changed`);
      replaceChildren(frame.body, h("p", {}, `You can now sign in with your new ${noun}.`), backToSignIn());
    } catch (error) {
      frame.notice.error(
        error instanceof SvaultAuthError && (error.status === 400 || error.status === 401 || error.status === 404)
          ? "The code is wrong or has expired. Please check it, or ask for a new one."
          : describeFailure(error, noun),
      );
      showCodeField = true;
      askCode();
    }
  };

  if (code) askCode();
  else askAccount();
}
