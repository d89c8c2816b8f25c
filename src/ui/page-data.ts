// What the server hands a hosted page in its `<script type="application/json" id="svault-page">`
// block: the tenant's and client's public settings (the same as Get Client Tenant answers) and the
// pending authorization request, so the page can draw itself without a round trip first.
// Shared by the server (src/ui) and the browser code (src/ui/client); types only.
import type { FactorStep } from "../domain/login/factors.js";
import type { Locale } from "../i18n/locales.js";

export type HostedPageName = "login" | "register" | "reset-password" | "verify-email" | "logout" | "security" | "passkey-offer";

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
  /** Passkeys may sign in (docs/passkeys.md). */
  readonly passkeyEnabled: boolean;
  /** Face match after the first factor; the page offers enrolment (docs/face-liveness.md). */
  readonly useFaceRecognition: boolean;
  /** A liveness check after the first factor. */
  readonly useLiveness: boolean;
}

/** The branding the page draws (src/ui/brand.ts); its colours come as a stylesheet. */
export interface PageBrand {
  readonly name: string;
  readonly logoUri: string;
  readonly supportUri: string;
  readonly privacyUri: string;
  readonly termsUri: string;
  readonly userAgreementUri: string;
}

export interface PublicClientInfo {
  readonly clientId: string;
  readonly name: string;
  readonly clientUri: string;
  /** Registration open through this client (client and tenant both allow it). */
  readonly registerEnable: boolean;
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
  /** The page's language (src/i18n/locales.ts), and the URL of its messages module. */
  readonly locale: Locale;
  readonly messages: string;
  readonly brand: PageBrand;
  /**
   * How long a block of too many failed sign-ins lasts, in seconds (0: until an administrator
   * lifts it), so that the blocked state can say so: the 429 of a block has no Retry-After.
   */
  readonly blockSeconds: number;
  /** The suite new secrets are made with (the tenant's `proto_version`). */
  readonly protoVersion: string;
  /**
   * The factor steps of the pending sign-in, as the sign-in policy decides them for this tenant
   * and request (domain/login/sign-in-policy.ts); null outside an authorization request.
   */
  readonly signInSteps: SignInSteps | null;
  /** The account pages' signed-in person (src/ui/account); absent on the other pages. */
  readonly account?: AccountPageData;
}

/** A passkey as the Security page lists it. */
export interface AccountPasskey {
  readonly id: string;
  readonly name: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** Backup eligible: synced between the person's devices. */
  readonly synced: boolean;
}

/** A browser session as the Security page lists it. */
export interface AccountSession {
  readonly current: boolean;
  /** ISO 8601: the last sign-in, and the last use. */
  readonly authTime: string;
  readonly lastSeenAt: string;
  readonly userAgent: string;
  readonly applications: number;
}

export interface AccountPageData {
  readonly username: string;
  /** Sent back in the CSRF header of every state-changing call (src/ui/account/account-session.ts). */
  readonly csrfToken: string;
  readonly passkeys: readonly AccountPasskey[];
  readonly sessions: readonly AccountSession[];
  /** The account has a PIN/pattern: a re-authentication can use it. */
  readonly hasSecret: boolean;
}

export interface SignInSteps {
  /** What a sign-in can start with (`knowledge`, and `passkey` when passkeys alone may sign in). */
  readonly first: readonly FactorStep[];
  /** What must follow a correct PIN/pattern before Sign In (empty: Sign In comes next). */
  readonly afterKnowledge: readonly FactorStep[];
}

/** The id of the JSON block; the page reads it at start. */
export const PAGE_DATA_ELEMENT_ID = "svault-page";
