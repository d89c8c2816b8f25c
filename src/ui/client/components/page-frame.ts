// What every hosted page shows around its form: the tenant's and client's branding, the heading,
// the message area and the client's policy links.
import type { HostedPageData } from "../../page-data.js";
import { h, replaceChildren } from "../dom.js";
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
  const uri = data.client?.logoUri;
  if (!uri) return undefined;
  const source = uri.startsWith("data:image/") ? uri : safeUrl(uri);
  return source ? h("img", { class: "logo", src: source, alt: `${data.client?.name ?? ""} logo`, width: 48, height: 48 }) : undefined;
}

function policyLinks(data: HostedPageData): HTMLElement | undefined {
  const client = data.client;
  if (!client) return undefined;
  const links = [
    ["Privacy policy", client.opPolicyUrl],
    ["Terms of service", client.opTosUrl],
    ["User agreement", client.opUserAgreementUrl],
  ]
    .map(([label, url]) => [label, safeUrl(url)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  if (links.length === 0) return undefined;
  return h(
    "nav",
    { class: "policies", "aria-label": "Policies" },
    ...links.map(([label, url]) => h("a", { href: url, rel: "noopener" }, label)),
  );
}

export function tenantName(data: HostedPageData): string {
  return data.client?.tenantName || data.tenant.displayName || data.tenant.tenantId;
}

export function pageFrame(data: HostedPageData, title: string): PageFrame {
  const root = document.getElementById("app") as HTMLElement;
  const heading = h("h1", { id: "page-title" }, title);
  const subtitle = h("p", { class: "subtitle" });
  const messages = notice();
  const body = h("div", { class: "page-body" });
  replaceChildren(
    root,
    h("header", { class: "brand" }, logo(data), h("p", { class: "tenant-name" }, tenantName(data))),
    heading,
    subtitle,
    messages.element,
    body,
    policyLinks(data),
  );
  root.removeAttribute("aria-live");
  const setTitle = (text: string, sub?: string) => {
    heading.textContent = text;
    document.title = `${text} – ${tenantName(data)}`;
    subtitle.textContent = sub ?? "";
    subtitle.hidden = !sub;
  };
  setTitle(title, data.client ? `to continue to ${data.client.name}` : undefined);
  return { body, notice: messages, setTitle };
}
