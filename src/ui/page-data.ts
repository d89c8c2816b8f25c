// What the server hands a hosted page in its `<script type="application/json" id="svault-page">`
// block: the tenant's and client's public settings (the same as Get Client Tenant answers) and the
// pending authorization request, so the page can draw itself without a round trip first.
// Shared by the server (src/ui) and the browser code (src/ui/client); types only.

export type HostedPageName = "login" | "register" | "reset-password" | "verify-email" | "logout";

export interface PublicTenantInfo {
  readonly tenantId: string;
  readonly displayName: string;
  readonly registerEnable: boolean;
  readonly usePin: boolean;
  readonly pinSize: number;
  readonly usePattern: boolean;
  readonly patterSize: number;
  readonly showPinWhenTyping: boolean;
  readonly loginOrder: readonly string[];
  readonly hasUsernameAndEmail: boolean;
}

export interface PublicClientInfo {
  readonly clientId: string;
  readonly name: string;
  readonly logoUri: string;
  readonly opPolicyUrl: string;
  readonly opTosUrl: string;
  readonly opUserAgreementUrl: string;
  readonly clientUri: string;
  /** Registration open through this client (client and tenant both allow it). */
  readonly registerEnable: boolean;
  readonly tenantName: string;
}

export interface HostedPageData {
  readonly page: HostedPageName;
  /** The tenant's standard issuer: OPAQUE's server identifier (login protocol §3). */
  readonly issuer: string;
  readonly tenant: PublicTenantInfo;
  readonly client: PublicClientInfo | null;
  /** The pending authorization request, when the page belongs to one. */
  readonly authReqId: string | null;
  /** The application's `login_hint`, to prefill the username. */
  readonly loginHint: string | null;
  /** Registration is open for this page (tenant, and client when there is one). */
  readonly registrationOpen: boolean;
  /** Page-specific query parameters the page acts on (`code` of the e-mailed links, logout's). */
  readonly params: Readonly<Record<string, string>>;
}

/** The id of the JSON block; the page reads it at start. */
export const PAGE_DATA_ELEMENT_ID = "svault-page";
