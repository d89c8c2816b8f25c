// What every hosted page shows around its form: the brand (logo and name), the heading, the
// message area, and the brand's help and policy links.
import type { HostedPageData } from "../../page-data.js";
import { h, replaceChildren } from "../dom.js";
import { t } from "../i18n.js";
import { type Notice, notice } from "./notice.js";

export interface PageFrame {
  readonly body: HTMLElement;
  readonly notice: Notice;
  setTitle(title: string, subtitle?: string): void;
}

/** A link target the page may use: only http(s), never `javascript:` or `data:`. */
export function safeUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function logo(data: HostedPageData): HTMLElement | undefined {
  const source = safeUrl(data.brand.logoUri);
  return source
    ? h("img", { class: "logo", src: source, alt: t("frame.logoAlt", { name: data.brand.name }), width: 40, height: 40 })
    : undefined;
}

function pageLinks(data: HostedPageData): HTMLElement | undefined {
  const { brand } = data;
  const links = (
    [
      ["frame.support", brand.supportUri],
      ["frame.privacy", brand.privacyUri],
      ["frame.terms", brand.termsUri],
      ["frame.userAgreement", brand.userAgreementUri],
    ] as const
  )
    .map(([key, url]) => [key, safeUrl(url)] as const)
    .filter((entry): entry is readonly [(typeof entry)[0], string] => entry[1] !== undefined);
  if (links.length === 0) return undefined;
  return h(
    "nav",
    { class: "page-links", "aria-label": t("frame.links") },
    ...links.map(([key, url]) => h("a", { href: url, rel: "noopener" }, t(key))),
  );
}

export function pageFrame(data: HostedPageData, title: string): PageFrame {
  const root = document.getElementById("app") as HTMLElement;
  const heading = h("h1", { id: "page-title" }, title);
  const subtitle = h("p", { class: "subtitle" });
  const messages = notice();
  const body = h("div", { class: "page-body" });
  replaceChildren(
    root,
    h("header", { class: "brand" }, logo(data), h("p", { class: "brand-name" }, data.brand.name)),
    heading,
    subtitle,
    messages.element,
    body,
    pageLinks(data),
  );
  root.removeAttribute("aria-live");
  const setTitle = (text: string, sub?: string) => {
    heading.textContent = text;
    document.title = t("frame.documentTitle", { title: text, name: data.brand.name });
    subtitle.textContent = sub ?? "";
    subtitle.hidden = !sub;
  };
  setTitle(title, data.client ? t("frame.continueTo", { app: data.client.name }) : undefined);
  return { body, notice: messages, setTitle };
}
