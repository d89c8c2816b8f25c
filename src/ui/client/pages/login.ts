// Sign in: username, then the secret's factors, then Get Challenge + Authenticate through the SDK
// (the secret never leaves the page), then Sign In, which redirects to the application.
//
// The throttle's answers (docs/login-protocol.md §8) each get their own state. A wrong secret
// brings the pad back. A wait (429 with Retry-After) keeps what was entered and counts down, then
// sends it by itself: the person is never asked for a try the server would refuse. A block (429
// without a wait the page counts down) replaces the pad with how long it lasts and the ways out.
// The page does not switch to the user's own language after the username step: that would tell
// anyone who types a username whether the account exists.
import { encodeSecret, type SecretInput } from "../../../sdk/secret.js";
import { isFactorStep } from "../../../domain/login/factors.js";
import { factorsOf } from "../../factors.js";
import type { HostedPageData } from "../../page-data.js";
import { authClient, preloadSdk } from "../auth-client.js";
import { countdown } from "../components/countdown.js";
import { busy, field, linkRow, pageUrl, primaryButton, signInUrl, submitForm } from "../components/forms.js";
import { pageFrame, safeUrl } from "../components/page-frame.js";
import { enterSecret, factorName, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { classifyFailure } from "../error-messages.js";
import { duration, t, tNodes } from "../i18n.js";
import {
  passkeyFailureMessage,
  autofillSupported,
  cancelPasskeyCeremony,
  type PasskeyAuthenticationResult,
  PasskeyError,
  passkeysSupported,
  startPasskeyAuthentication,
} from "../passkeys.js";
import { rememberStepNonce } from "../step-nonce.js";
import { confirmEmailThenContinue, requestExpired } from "./after-login.js";
import { showSecondFactor } from "./second-factor.js";

export function loginPage(data: HostedPageData): void {
  const frame = pageFrame(data, t("login.title"));
  const factors = factorsOf(data.tenant);
  const authReqId = data.authReqId as string;
  const resetUrl = pageUrl("reset-password", data);
  let username = data.loginHint ?? "";
  preloadSdk();

  const passkeys = data.tenant.passkeyEnabled;
  const faceTenant = data.tenant.useFaceRecognition || data.tenant.useLiveness;
  // The face step is a chunk of its own: only face tenants load it.
  const faceStep = () => import("./face-step.js");

  /**
   * A first step is done: on a face tenant its nonce is kept for the face step Sign In may send
   * the browser back to, and a user without a face is offered enrolment; then Sign In.
   */
  const afterFirstStep = (nonce: string, needVerify: boolean) => {
    const signIn = () => {
      frame.notice.clear();
      if (needVerify) confirmEmailThenContinue(frame, nonce, authReqId);
      else location.assign(signInUrl(nonce, authReqId));
    };
    if (faceTenant) rememberStepNonce(authReqId, nonce);
    if (data.tenant.useFaceRecognition) void faceStep().then((face) => face.offerFaceEnrolment(frame, data, authReqId, nonce, signIn));
    else signIn();
  };

  const askUsername = () => {
    // With passkeys, the browser also offers them in the username field's autofill (conditional mediation).
    const user = field({
      label: t("common.username"),
      name: "username",
      autocomplete: passkeys ? "username webauthn" : "username",
      value: username,
    });
    const form = submitForm(
      () => {
        username = user.input.value.trim();
        if (!username) {
          frame.notice.error(t("login.usernameMissing"));
          user.input.focus();
          return;
        }
        frame.notice.clear();
        cancelPasskeyCeremony();
        void askSecret();
      },
      user.element,
      primaryButton(t("common.continue")),
    );
    const passkeyButton = passkeys
      ? h(
          "button",
          {
            type: "button",
            class: "secondary passkey",
            onclick: () => void signInWithPasskey(user.input.value.trim()),
          },
          t("login.withPasskey"),
        )
      : null;
    replaceChildren(
      frame.body,
      form,
      passkeyButton,
      linkRow(
        h("a", { href: resetUrl }, t("secret.forgot", { factors })),
        data.registrationOpen ? h("a", { href: pageUrl("register", data) }, t("login.createAccount")) : null,
      ),
    );
    user.input.focus();
    if (passkeys) void offerPasskeysInAutofill();
  };

  /** The nonce of a finished first step goes to Sign In (after a word about an unconfirmed e-mail address). */
  const finish = (result: PasskeyAuthenticationResult) => {
    frame.notice.clear();
    afterFirstStep(result.nonce, result.needVerify);
  };

  const passkeyFailed = (error: unknown) => {
    if (error instanceof PasskeyError && error.failure === "expired") return requestExpired(frame, data);
    frame.notice.error(passkeyFailureMessage(error));
  };

  /** Autofill: resolves only when the person picks a passkey there; cancelled when they do anything else. */
  const offerPasskeysInAutofill = async () => {
    if (!(await autofillSupported())) return;
    try {
      finish(await startPasskeyAuthentication({ tenantId: data.tenant.tenantId, authReqId, autofill: true }));
    } catch (error) {
      if (!(error instanceof PasskeyError && error.failure === "cancelled")) passkeyFailed(error);
    }
  };

  /** The button: username-first when a username is typed, else the browser offers the passkeys it has. */
  const signInWithPasskey = async (typed: string) => {
    frame.notice.clear();
    if (!(await passkeysSupported())) return passkeyFailed(new PasskeyError("unsupported"));
    try {
      finish(await startPasskeyAuthentication({ tenantId: data.tenant.tenantId, authReqId, username: typed }));
    } catch (error) {
      passkeyFailed(error);
      if (passkeys) void offerPasskeysInAutofill();
    }
  };

  /** "Signing in as alice [Change]" above a slot for the pad, the grid or a state. */
  const signedAs = () => {
    const slot = h("div", { class: "secret-slot" });
    replaceChildren(
      frame.body,
      h(
        "p",
        { class: "signed-as" },
        ...tNodes("login.signingInAs", { username }),
        " ",
        h("button", { type: "button", class: "link", onclick: askUsername }, t("common.change")),
      ),
      slot,
    );
    return slot;
  };

  const askSecret = async () => {
    const slot = signedAs();
    const forgot = (factor: Parameters<typeof factorName>[0]) =>
      linkRow(h("a", { href: resetUrl }, t("secret.forgot", { factors: factorName(factor) })));
    const input = await enterSecret(slot, data.tenant, forgot);
    frame.notice.clear();
    await attempt(slot, input);
  };

  const attempt = async (slot: HTMLElement, input: SecretInput) => {
    replaceChildren(slot, busy(t("busy.checking")));
    try {
      const client = await authClient(data);
      const result = await client.login({ username, secret: encodeSecret(secretPolicy(data.tenant), input) });
      frame.notice.clear();
      // A 2FA tenant (or an application asking for acr 2fa): the policy needs one more factor.
      const afterKnowledge = data.signInSteps?.afterKnowledge ?? [];
      if (faceTenant) rememberStepNonce(authReqId, result.nonce);
      if (afterKnowledge.length > 0)
        showSecondFactor(frame, {
          authReqId,
          tenantId: data.tenant.tenantId,
          passkeysEnabled: passkeys,
          nonce: result.nonce,
          username,
          factors: afterKnowledge,
        });
      else afterFirstStep(result.nonce, result.needVerify);
    } catch (error) {
      const failure = classifyFailure(error);
      switch (failure.kind) {
        case "expired":
          return requestExpired(frame, data);
        case "wait":
          frame.notice.error(t("wait.alert"));
          replaceChildren(
            slot,
            countdown(failure.seconds, () => void attempt(slot, input)),
          );
          return;
        case "blocked":
          return blocked(slot);
        case "wrong-secret":
          frame.notice.error(t("login.wrong", { factors }));
          return askSecret();
        case "other":
          frame.notice.error(failure.message);
          return askSecret();
      }
    }
  };

  /** The state of a blocked sign-in: why, for how long, and the ways out (reset, help, try again). */
  const blocked = (slot: HTMLElement) => {
    frame.notice.clear();
    const ends = data.blockSeconds > 0 ? t("blocked.ends", { duration: duration(data.blockSeconds) }) : t("blocked.manual");
    const support = safeUrl(data.brand.supportUri);
    const back = safeUrl(data.client?.clientUri);
    const tryAgain = h("button", { type: "button", class: "secondary", onclick: () => void askSecret() }, t("common.tryAgain"));
    replaceChildren(
      slot,
      h(
        "section",
        { class: "state state-blocked", "aria-labelledby": "blocked-title" },
        h(
          "div",
          { role: "alert" },
          h("h2", { id: "blocked-title" }, t("blocked.title")),
          h("p", {}, ...tNodes("blocked.body", { username })),
          h("p", {}, ends),
          data.tenant.hasUsernameAndEmail ? h("p", {}, t("blocked.wayOut", { factors })) : null,
        ),
        h(
          "div",
          { class: "actions" },
          tryAgain,
          data.tenant.hasUsernameAndEmail ? h("a", { class: "button primary", href: resetUrl }, t("secret.reset", { factors })) : null,
        ),
        linkRow(
          support ? h("a", { href: support, rel: "noopener" }, t("frame.support")) : null,
          back ? h("a", { href: back }, t("common.backToApp", { app: data.client?.name ?? "" })) : null,
        ),
      ),
    );
    tryAgain.focus();
  };

  // Sign In sent the browser back for a factor step the secret does not provide (`step=passkey`,
  // `step=face`). With both (a 2FA face tenant's `passkey face`), the face step: Sign In names face
  // only for a user who enrolled one.
  const step = (data.params.step ?? "").split(" ").filter(isFactorStep);
  if (step.includes("face") && !step.includes("knowledge")) void faceStep().then((face) => face.showFaceStep(frame, data, authReqId));
  else if (step.length > 0 && !step.includes("knowledge"))
    showSecondFactor(frame, {
      authReqId,
      tenantId: data.tenant.tenantId,
      passkeysEnabled: passkeys,
      nonce: null,
      username: null,
      factors: step,
    });
  else askUsername();
}
