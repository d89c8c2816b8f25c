// The Security page (/ui/account/security): the signed-in person's passkeys — each with its name,
// when it was added and last used — to add, rename and remove, and the browsers where they are
// signed in. Every change goes through the account area's calls (account-api.ts); adding or
// removing asks "Confirm it is you" first when the sign-in is no longer recent (the server says
// so: REAUTHENTICATION_REQUIRED), and removing the last passkey the account needs is refused with
// the reason. docs/hosted-ui.md, "Account".
import type { AccountPasskey, HostedPageData } from "../../page-data.js";
import { AccountApiError, accountApi } from "../account-api.js";
import { field, submitForm } from "../components/forms.js";
import { type PageFrame, pageFrame } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import { t, tNodes } from "../i18n.js";
import { PasskeyError, passkeyFailureMessage } from "../passkeys.js";
import { reauthenticate } from "./account-reauth.js";

/** What the page says when an account call did not go through. */
export function accountFailureMessage(error: unknown, hasSecret: boolean): string {
  if (error instanceof PasskeyError) return passkeyFailureMessage(error);
  if (!(error instanceof AccountApiError)) return t("error.generic");
  switch (error.reason) {
    case "LAST_REQUIRED_FACTOR":
      return hasSecret ? t("account.lastFactor2fa") : t("account.lastFactorOnly");
    case "PASSKEY_EXISTS":
      return t("account.exists");
    case "NOT_SIGNED_IN":
    case "CSRF":
      return t("account.signedOutNow");
    case "NETWORK":
      return t("error.network");
    default:
      return t("error.generic");
  }
}

export function securityPage(data: HostedPageData): void {
  const frame: PageFrame = pageFrame(data, t("account.title"));
  const account = data.account;
  if (!account) return;
  const api = accountApi(data);
  let passkeys: readonly AccountPasskey[] = account.passkeys;
  const format = new Intl.DateTimeFormat(data.locale, { dateStyle: "medium", timeStyle: "short" });
  const when = (iso: string) => format.format(new Date(iso));
  const list = h("ul", { class: "item-list", "aria-labelledby": "passkeys-title" });
  const reauthSlot = h("div", { class: "reauth-slot", hidden: true });
  const failed = (error: unknown) => frame.notice.error(accountFailureMessage(error, account.hasSecret));

  /** Runs a change; when the server wants a fresh sign-in, asks for one and runs it again with its proof. */
  const withReauth = async <T>(change: (proof: string) => Promise<T>): Promise<T | undefined> => {
    try {
      return await change("");
    } catch (error) {
      if (!(error instanceof AccountApiError && error.reason === "REAUTHENTICATION_REQUIRED")) throw error;
      const proof = await reauthenticate(frame, reauthSlot, data, passkeys.length > 0);
      return proof === undefined ? undefined : change(proof);
    }
  };

  const draw = () =>
    replaceChildren(list, ...(passkeys.length === 0 ? [h("li", { class: "empty" }, t("account.noPasskeys"))] : passkeys.map(item)));

  const item = (passkey: AccountPasskey): HTMLElement => {
    const row = h("li", { class: "item", "data-passkey": passkey.id });
    const show = () =>
      replaceChildren(
        row,
        h("h3", {}, passkey.name),
        h("p", { class: "muted" }, t("account.created", { date: when(passkey.createdAt) })),
        h("p", { class: "muted" }, passkey.lastUsedAt ? t("account.lastUsed", { date: when(passkey.lastUsedAt) }) : t("account.neverUsed")),
        passkey.synced ? h("p", { class: "muted" }, t("account.synced")) : null,
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            { type: "button", class: "secondary", "aria-label": `${t("account.rename")}: ${passkey.name}`, onclick: rename },
            t("account.rename"),
          ),
          h(
            "button",
            { type: "button", class: "secondary", "aria-label": `${t("account.remove")}: ${passkey.name}`, onclick: confirmRemove },
            t("account.remove"),
          ),
        ),
      );
    const rename = () => {
      const name = field({
        label: t("account.renameLabel"),
        name: "passkey-name",
        autocomplete: "off",
        value: passkey.name,
        maxLength: 128,
      });
      const form = submitForm(
        async () => {
          frame.notice.clear();
          try {
            ({ passkeys } = await api.renamePasskey(passkey.id, name.input.value));
            draw();
            frame.notice.info(t("account.renamed", { name: name.input.value.trim() }));
          } catch (error) {
            failed(error);
          }
        },
        name.element,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", class: "primary" }, t("account.save")),
          h("button", { type: "button", class: "link", onclick: show }, t("account.cancel")),
        ),
      );
      replaceChildren(row, form);
      name.input.focus();
    };
    const confirmRemove = () => {
      const yes = h("button", { type: "button", class: "primary", onclick: () => void remove() }, t("account.remove"));
      replaceChildren(
        row,
        h("p", { role: "alert" }, t("account.removeConfirm", { name: passkey.name })),
        h("div", { class: "actions" }, yes, h("button", { type: "button", class: "link", onclick: show }, t("account.cancel"))),
      );
      yes.focus();
    };
    const remove = async () => {
      frame.notice.clear();
      try {
        const answer = await withReauth((proof) => api.removePasskey(passkey.id, proof));
        if (!answer) return show();
        passkeys = answer.passkeys;
        draw();
        frame.notice.info(t("account.removed", { name: passkey.name }));
      } catch (error) {
        show();
        failed(error);
      }
    };
    show();
    return row;
  };

  const add = async () => {
    frame.notice.clear();
    try {
      const answer = await withReauth((proof) => api.addPasskey(proof));
      if (!answer) return;
      passkeys = answer.passkeys;
      draw();
      frame.notice.info(t("account.added", { name: answer.added.name }));
    } catch (error) {
      failed(error);
    }
  };

  const sessions = h(
    "ul",
    { class: "item-list", "aria-labelledby": "sessions-title" },
    ...account.sessions.map((session) =>
      h(
        "li",
        { class: "item" },
        h("h3", {}, session.current ? t("account.sessionCurrent") : session.userAgent || "—"),
        h("p", { class: "muted" }, t("account.sessionTimes", { signedIn: when(session.authTime), lastActive: when(session.lastSeenAt) })),
        h("p", { class: "muted" }, t("account.sessionApps", { count: session.applications })),
      ),
    ),
  );

  draw();
  replaceChildren(
    frame.body,
    h("p", { class: "signed-as" }, ...tNodes("account.signedInAs", { username: account.username })),
    reauthSlot,
    h(
      "section",
      { "aria-labelledby": "passkeys-title" },
      h("h2", { id: "passkeys-title" }, t("account.passkeys")),
      h("p", {}, t("account.passkeysIntro")),
      list,
      h("button", { type: "button", class: "primary", onclick: () => void add() }, t("account.add")),
    ),
    h("section", { "aria-labelledby": "sessions-title" }, h("h2", { id: "sessions-title" }, t("account.sessions")), sessions),
  );
}
