// Registration: username (and e-mail where the tenant keeps one), the new secret chosen twice and
// checked for weakness here, Register through the SDK, then — inside an authorization request —
// a login with the same secret, straight back to the application.
import { SvaultAuthError } from "../../../sdk/errors.js";
import { encodeSecret } from "../../../sdk/secret.js";
import type { HostedPageData } from "../../page-data.js";
import { type AuthClient, authClient, preloadSdk } from "../auth-client.js";
import { busy, field, submitForm, linkRow, pageUrl, primaryButton, signInUrl } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { chooseSecret, secretNoun, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { describeFailure, isExpiredRequest } from "../error-messages.js";
import { confirmEmailThenContinue, requestExpired } from "./after-login.js";

const USERNAME = /^[a-zA-Z0-9_.@-]{1,128}$/;

export function registerPage(data: HostedPageData): void {
  const frame = pageFrame(data, "Create your account");
  const noun = secretNoun(data.tenant);
  const wantsEmail = data.tenant.hasUsernameAndEmail;
  let username = "";
  let email = "";

  if (!data.registrationOpen) {
    frame.notice.error("New accounts cannot be created here. Please ask the application's administrator.");
    replaceChildren(frame.body, data.authReqId ? linkRow(h("a", { href: pageUrl("login", data) }, "Back to sign in")) : null);
    return;
  }
  preloadSdk();

  const askAccount = () => {
    const user = field({
      label: "Username",
      name: "username",
      autocomplete: "username",
      value: username,
      hint: "Letters, digits and . _ @ - only.",
    });
    const mail = wantsEmail
      ? field({ label: "E-mail address", name: "email", type: "email", autocomplete: "email", value: email, maxLength: 254 })
      : undefined;
    const form = submitForm(
      () => {
        username = user.input.value.trim();
        email = mail?.input.value.trim() ?? "";
        if (!USERNAME.test(username)) {
          frame.notice.error("Please choose a username of letters, digits and . _ @ - only.");
          user.input.focus();
          return;
        }
        if (mail && !mail.input.checkValidity()) {
          frame.notice.error("Please enter a valid e-mail address.");
          mail.input.focus();
          return;
        }
        frame.notice.clear();
        void askSecret();
      },
      user.element,
      mail?.element,
      primaryButton("Continue"),
    );
    replaceChildren(
      frame.body,
      form,
      data.authReqId ? linkRow("Have an account? ", h("a", { href: pageUrl("login", data) }, "Sign in")) : null,
    );
    user.input.focus();
  };

  const askSecret = async () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(frame.body, h("p", { class: "signed-as" }, "New account ", h("strong", {}, username)), slot);
    const input = await chooseSecret(slot, data.tenant, frame.notice);
    replaceChildren(slot, busy("Creating your account…"));
    const secret = encodeSecret(secretPolicy(data.tenant), input);
    let client: AuthClient;
    try {
      client = await authClient(data);
      await client.register({ username, email: email || undefined, secret });
    } catch (error) {
      if (isExpiredRequest(error)) return requestExpired(frame, data);
      frame.notice.error(describeFailure(error, noun));
      // A taken username or a refused address is fixed on the first step; anything else retries.
      if (error instanceof SvaultAuthError && (error.status === 409 || error.status === 422)) askAccount();
      else void askSecret();
      return;
    }
    if (!data.authReqId) return done();
    replaceChildren(slot, busy("Signing you in…"));
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
    frame.setTitle("Your account is ready");
    replaceChildren(
      frame.body,
      h("p", {}, wantsEmail ? `We have sent a link to ${email} to confirm your address.` : `You can now sign in with your ${noun}.`),
    );
  };

  askAccount();
}
