// Registration: username (and e-mail where the tenant keeps one), the new secret chosen twice and
// checked for weakness here, Register through the SDK, then — inside an authorization request —
// a login with the same secret, straight back to the application.
import { SvaultAuthError } from "../../../sdk/errors.js";
import { encodeSecret } from "../../../sdk/secret.js";
import { factorsOf } from "../../factors.js";
import type { HostedPageData } from "../../page-data.js";
import { type AuthClient, authClient, preloadSdk } from "../auth-client.js";
import { busy, field, linkRow, pageUrl, primaryButton, signInUrl, submitForm } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { chooseSecret, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { describeFailure, isExpiredRequest } from "../error-messages.js";
import { t, tNodes } from "../i18n.js";
import { confirmEmailThenContinue, requestExpired } from "./after-login.js";

const USERNAME = /^[a-zA-Z0-9_.@-]{1,128}$/;

export function registerPage(data: HostedPageData): void {
  const frame = pageFrame(data, t("register.title"));
  const wantsEmail = data.tenant.hasUsernameAndEmail;
  const backToSignIn = () => (data.authReqId ? linkRow(h("a", { href: pageUrl("login", data) }, t("common.backToSignIn"))) : null);
  let username = "";
  let email = "";

  if (!data.registrationOpen) {
    frame.notice.error(t("register.closed"));
    replaceChildren(frame.body, backToSignIn());
    return;
  }
  preloadSdk();

  const askAccount = () => {
    const user = field({
      label: t("common.username"),
      name: "username",
      autocomplete: "username",
      value: username,
      hint: t("register.usernameHint"),
    });
    const mail = wantsEmail
      ? field({ label: t("common.email"), name: "email", type: "email", autocomplete: "email", value: email, maxLength: 254 })
      : undefined;
    const form = submitForm(
      () => {
        username = user.input.value.trim();
        email = mail?.input.value.trim() ?? "";
        if (!USERNAME.test(username)) {
          frame.notice.error(t("register.usernameInvalid"));
          user.input.focus();
          return;
        }
        if (mail && !mail.input.checkValidity()) {
          frame.notice.error(t("register.emailInvalid"));
          mail.input.focus();
          return;
        }
        frame.notice.clear();
        void askSecret();
      },
      user.element,
      mail?.element,
      primaryButton(t("common.continue")),
    );
    const signIn = (chunks: (Node | string)[]) => h("a", { href: pageUrl("login", data) }, ...chunks);
    replaceChildren(frame.body, form, data.authReqId ? linkRow(...tNodes("register.haveAccount", {}, { signin: signIn })) : null);
    user.input.focus();
  };

  const askSecret = async () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(frame.body, h("p", { class: "signed-as" }, ...tNodes("register.newAccount", { username })), slot);
    const input = await chooseSecret(slot, data.tenant, frame.notice);
    replaceChildren(slot, busy(t("busy.creating")));
    const secret = encodeSecret(secretPolicy(data.tenant), input);
    let client: AuthClient;
    try {
      client = await authClient(data);
      await client.register({ username, email: email || undefined, secret, protoVersion: data.protoVersion });
    } catch (error) {
      if (isExpiredRequest(error)) return requestExpired(frame, data);
      frame.notice.error(describeFailure(error));
      // A taken username or a refused address is fixed on the first step; anything else retries.
      if (error instanceof SvaultAuthError && (error.status === 409 || error.status === 422)) askAccount();
      else void askSecret();
      return;
    }
    if (!data.authReqId) return done();
    replaceChildren(slot, busy(t("busy.signingIn")));
    try {
      const result = await client.login({ username, secret });
      if (result.needVerify) confirmEmailThenContinue(frame, result.nonce, data.authReqId);
      else location.assign(signInUrl(result.nonce, data.authReqId));
    } catch (error) {
      if (isExpiredRequest(error)) return requestExpired(frame, data);
      // The account exists; the sign-in page can finish the job.
      location.assign(pageUrl("login", data));
    }
  };

  const done = () => {
    frame.setTitle(t("register.done"));
    replaceChildren(
      frame.body,
      h("p", {}, wantsEmail ? t("register.mailSent", { email }) : t("register.signInNow", { factors: factorsOf(data.tenant) })),
    );
  };

  askAccount();
}
