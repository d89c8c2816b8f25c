// Form pieces the pages share: labelled fields, a busy indicator, and links between the hosted
// pages that keep the page's context (authorization request, tenant, client).
import type { HostedPageData } from "../../page-data.js";
import { h, uniqueId } from "../dom.js";

export interface FieldOptions {
  readonly label: string;
  readonly name: string;
  readonly type?: "text" | "email";
  readonly autocomplete: string;
  readonly value?: string;
  readonly required?: boolean;
  readonly maxLength?: number;
  readonly hint?: string;
  readonly inputMode?: string;
}

export function field(options: FieldOptions): { element: HTMLElement; input: HTMLInputElement } {
  const id = uniqueId(options.name);
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h("input", {
    id,
    name: options.name,
    type: options.type ?? "text",
    autocomplete: options.autocomplete,
    required: options.required ?? true,
    maxlength: options.maxLength ?? 128,
    autocapitalize: "none",
    spellcheck: "false",
    inputmode: options.inputMode,
    "aria-describedby": hintId,
  });
  input.value = options.value ?? "";
  const element = h(
    "div",
    { class: "field" },
    h("label", { for: id }, options.label),
    options.hint ? h("p", { class: "hint", id: hintId }, options.hint) : null,
    input,
  );
  return { element, input };
}

/** A form the page handles itself: no browser validation bubbles, no navigation on submit. */
export function submitForm(onSubmit: () => unknown, ...children: (Node | string | null | undefined | false)[]): HTMLFormElement {
  return h(
    "form",
    {
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        void onSubmit();
      },
    },
    ...children,
  );
}

export function primaryButton(label: string): HTMLButtonElement {
  return h("button", { type: "submit", class: "primary" }, label);
}

/** A spinner and a status line in place of the form while a call runs. */
export function busy(text: string): HTMLElement {
  return h("div", { class: "busy", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** `/ui/<page>` for the same request or tenant and client and in the same language, plus `extra` parameters. */
export function pageUrl(page: string, data: HostedPageData, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  if (data.authReqId) query.set("auth_req_id", data.authReqId);
  else {
    query.set("tenant_id", data.tenant.tenantId);
    if (data.client) query.set("client_id", data.client.clientId);
  }
  // The next page keeps this one's language, whatever chose it.
  query.set("ui_locales", data.locale);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return `/ui/${page}?${query}`;
}

/**
 * Sign In: exchanges the login's nonce for a session; the server redirects to the application —
 * or first to the offer to add a passkey, which the hosted pages ask for (`offer_passkey`) and the
 * server makes only where it applies (a tenant with passkeys, a person without one).
 */
export function signInUrl(nonce: string, authReqId: string): string {
  return `/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId, offer_passkey: "true" })}`;
}

export function linkRow(...links: (Node | string | null | undefined | false)[]): HTMLElement {
  return h("p", { class: "links" }, ...links);
}
