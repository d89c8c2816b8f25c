// Sign in: username, then the secret's factors, then Get Challenge + Authenticate through the SDK
// (the secret never leaves the page), then Sign In, which redirects to the application.
import { encodeSecret } from "../../../sdk/secret.js";
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { busy, field, submitForm, linkRow, pageUrl, primaryButton, signInUrl } from "../components/forms.js";
import { pageFrame } from "../components/page-frame.js";
import { enterSecret, secretNoun, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { describeFailure, isExpiredRequest, retryDelaySeconds } from "../error-messages.js";
import { confirmEmailThenContinue, requestExpired } from "./after-login.js";

export function loginPage(data: HostedPageData): void {
  const frame = pageFrame(data, "Sign in");
  const noun = secretNoun(data.tenant);
  const authReqId = data.authReqId as string;
  let username = data.loginHint ?? "";
  preloadSdk();

  const askUsername = () => {
    const user = field({ label: "Username", name: "username", autocomplete: "username", value: username });
    const form = submitForm(
      () => {
        username = user.input.value.trim();
        if (!username) {
          frame.notice.error("Please enter your username.");
          user.input.focus();
          return;
        }
        frame.notice.clear();
        void askSecret();
      },
      user.element,
      primaryButton("Continue"),
    );
    replaceChildren(
      frame.body,
      form,
      linkRow(
        h("a", { href: pageUrl("reset-password", data) }, `Forgot your ${noun}?`),
        data.registrationOpen ? h("a", { href: pageUrl("register", data) }, "Create an account") : null,
      ),
    );
    user.input.focus();
  };

  const askSecret = async () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(
      frame.body,
      h(
        "p",
        { class: "signed-as" },
        "Signing in as ",
        h("strong", {}, username),
        " ",
        h("button", { type: "button", class: "link", onclick: askUsername }, "Change"),
      ),
      slot,
    );
    const input = await enterSecret(slot, data.tenant);
    frame.notice.clear();
    replaceChildren(slot, busy("Checking…"));
    try {
      const client = await authClient(data);
      const result = await client.login({ username, secret: encodeSecret(secretPolicy(data.tenant), input) });
      frame.notice.clear();
      if (result.needVerify) confirmEmailThenContinue(frame, result.nonce, authReqId);
      else location.assign(signInUrl(result.nonce, authReqId));
    } catch (error) {
      if (isExpiredRequest(error)) return requestExpired(frame, data);
      frame.notice.error(describeFailure(error, noun));
      // A throttled attempt: the keypad comes back when the server will take the next guess.
      const wait = retryDelaySeconds(error);
      if (wait > 0) {
        replaceChildren(slot, busy("Please wait…"));
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      }
      void askSecret();
    }
  };

  askUsername();
}
