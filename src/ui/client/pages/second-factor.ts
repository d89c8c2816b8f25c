// The factor step that follows the PIN/pattern when the sign-in policy needs one more (a 2FA
// tenant, or an application asking for acr 2fa): the login page shows it after a correct secret,
// and at `step=passkey` when Sign In sent the browser back for it (docs/hosted-ui.md).
//
// The passkey step: a button starts the ceremony (src/ui/client/passkeys.ts, username-first when
// the page knows the username) and, once Verify Auth answers a nonce, goes to Sign In with it —
// Sign In combines it with the PIN/pattern's nonce of the same request (the server keeps that
// one; `nonce` is handed over only for the page's convenience). On a tenant without passkeys the
// screen says which factor is needed and that this page cannot provide it.
import type { FactorStep } from "../../../domain/login/factors.js";
import { signInUrl } from "../components/forms.js";
import type { PageFrame } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";
import { passkeyFailureMessage, startPasskeyAuthentication } from "../passkeys.js";

export interface SecondFactorStep {
  readonly authReqId: string;
  readonly tenantId: string;
  /** The tenant has passkeys enabled: the page can offer the passkey step. */
  readonly passkeysEnabled: boolean;
  /** The PIN/pattern step's nonce, when the page just got it (null after Sign In's redirect). */
  readonly nonce: string | null;
  /** The username typed on this page, for a username-first passkey request (null when unknown). */
  readonly username: string | null;
  /** The steps any of which completes the sign-in (today: `passkey`). */
  readonly factors: readonly FactorStep[];
}

export function showSecondFactor(frame: PageFrame, step: SecondFactorStep): HTMLElement {
  frame.setTitle(t("secondFactor.title"));
  frame.notice.clear();
  const slot = h("div", { class: "second-factor-slot", "data-factors": step.factors.join(" ") });
  const needed = step.factors.includes("passkey") ? t("secondFactor.passkey") : t("secondFactor.other");
  replaceChildren(frame.body, h("p", {}, needed), slot);
  if (!(step.factors.includes("passkey") && step.passkeysEnabled)) {
    replaceChildren(slot, h("p", { role: "status" }, t("secondFactor.notOfferedYet")));
    return slot;
  }
  const usePasskey = async () => {
    frame.notice.clear();
    try {
      const result = await startPasskeyAuthentication({
        tenantId: step.tenantId,
        authReqId: step.authReqId,
        username: step.username ?? "",
      });
      location.assign(signInUrl(result.nonce, step.authReqId));
    } catch (error) {
      frame.notice.error(passkeyFailureMessage(error));
    }
  };
  const button = h("button", { type: "button", class: "primary", onclick: () => void usePasskey() }, t("secondFactor.usePasskey"));
  replaceChildren(slot, button);
  button.focus();
  return slot;
}
