// "Confirm it is you" in the account area: a fresh login run on the page — the PIN/pattern through
// the SDK (Get Challenge + Authenticate, no authorization request) or a passkey (Verify Auth) —
// whose nonce the next call presents as its re-authentication proof
// (domain/oidc/reauthentication.ts). Resolves with that nonce, or undefined when cancelled.
import type { HostedPageData } from "../../page-data.js";
import { encodeSecret } from "../../../sdk/secret.js";
import { factorsOf } from "../../factors.js";
import { authClient } from "../auth-client.js";
import type { PageFrame } from "../components/page-frame.js";
import { busy } from "../components/forms.js";
import { enterSecret, secretPolicy } from "../components/secret-entry.js";
import { h, replaceChildren } from "../dom.js";
import { classifyFailure } from "../error-messages.js";
import { t } from "../i18n.js";
import { passkeyFailureMessage, startPasskeyAuthentication } from "../passkeys.js";

export function reauthenticate(
  frame: PageFrame,
  slot: HTMLElement,
  data: HostedPageData,
  hasPasskeys: boolean,
): Promise<string | undefined> {
  const account = data.account;
  if (!account) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (nonce: string | undefined) => {
      replaceChildren(slot);
      slot.hidden = true;
      resolve(nonce);
    };
    const secretSlot = h("div", { class: "secret-slot" });
    const withPasskey = async () => {
      frame.notice.clear();
      try {
        const result = await startPasskeyAuthentication({ tenantId: data.tenant.tenantId, authReqId: null, username: account.username });
        done(result.nonce);
      } catch (error) {
        frame.notice.error(passkeyFailureMessage(error));
      }
    };
    const askSecret = async (): Promise<void> => {
      const input = await enterSecret(secretSlot, data.tenant);
      replaceChildren(secretSlot, busy(t("busy.checking")));
      try {
        const client = await authClient(data);
        const result = await client.login({ username: account.username, secret: encodeSecret(secretPolicy(data.tenant), input) });
        frame.notice.clear();
        done(result.nonce);
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "wrong-secret") frame.notice.error(t("login.wrong", { factors: factorsOf(data.tenant) }));
        else if (failure.kind === "other") frame.notice.error(failure.message);
        else frame.notice.error(t("error.blocked"));
        return askSecret();
      }
    };
    slot.hidden = false;
    replaceChildren(
      slot,
      h(
        "section",
        { class: "reauth", "aria-labelledby": "reauth-title" },
        h("h2", { id: "reauth-title" }, t("account.reauthTitle")),
        h("p", {}, t("account.reauthBody")),
        account.hasSecret ? secretSlot : null,
        h(
          "div",
          { class: "actions" },
          hasPasskeys
            ? h("button", { type: "button", class: "secondary", onclick: () => void withPasskey() }, t("account.reauthPasskey"))
            : null,
          h("button", { type: "button", class: "link", onclick: () => done(undefined) }, t("account.cancel")),
        ),
      ),
    );
    if (account.hasSecret) void askSecret();
  });
}
