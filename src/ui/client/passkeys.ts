// Passkeys on the hosted pages: the browser side of Auth Options → navigator.credentials.get()
// → Verify Auth, with @simplewebauthn/browser (loaded on demand, a chunk of its own). Used by the
// sign-in page (a button, and autofill through conditional mediation) and by any step that needs
// a passkey (the factors' second-factor step calls `startPasskeyAuthentication`).

import { t } from "./i18n.js";

type Library = typeof import("@simplewebauthn/browser");

let loading: Promise<Library> | undefined;
const library = () => {
  loading ??= import("@simplewebauthn/browser");
  return loading;
};

/** Why a passkey sign-in did not finish, for the page to say so. */
export type PasskeyFailure =
  /** This browser has no WebAuthn (or not on this origin). */
  | "unsupported"
  /** The person cancelled, the ceremony timed out, or no authenticator had a passkey to offer. */
  | "cancelled"
  /** The service refused the passkey (unknown, deleted, of another account, …). */
  | "not-accepted"
  /** Too many failed attempts (429). */
  | "throttled"
  /** The authorization request expired (404). */
  | "expired"
  /** Registering: this authenticator already holds a passkey of the account (excludeCredentials). */
  | "exists"
  | "error";

export class PasskeyError extends Error {
  constructor(readonly failure: PasskeyFailure) {
    super(failure);
    this.name = "PasskeyError";
  }
}

/** What the page says when a passkey sign-in did not finish (an expired request has its own page). */
export function passkeyFailureMessage(error: unknown): string {
  const failure = error instanceof PasskeyError ? error.failure : "error";
  switch (failure) {
    case "unsupported":
      return t("passkey.unsupported");
    case "cancelled":
      return t("passkey.cancelled");
    case "not-accepted":
      return t("passkey.notAccepted");
    case "throttled":
      return t("error.blocked");
    case "exists":
      return t("account.exists");
    default:
      return t("error.generic");
  }
}

export interface PasskeyAuthenticationInput {
  readonly tenantId: string;
  readonly authReqId: string | null;
  /** Username-first when given (its passkeys are listed); usernameless when empty. */
  readonly username?: string;
  /** Conditional mediation: the browser offers the passkeys in the username field's autofill. */
  readonly autofill?: boolean;
}

export interface PasskeyAuthenticationResult {
  readonly nonce: string;
  readonly needVerify: boolean;
}

export async function passkeysSupported(): Promise<boolean> {
  return (await library()).browserSupportsWebAuthn();
}

export async function autofillSupported(): Promise<boolean> {
  return (await library()).browserSupportsWebAuthnAutofill();
}

/** Ends a pending ceremony (the autofill's, when the person goes on with their PIN or pattern). */
export function cancelPasskeyCeremony(): void {
  if (loading) void loading.then((lib) => lib.WebAuthnAbortService.cancelCeremony());
}

/** One passkey sign-in: the nonce for Sign In, or a PasskeyError. Starting another cancels a pending one. */
export async function startPasskeyAuthentication(input: PasskeyAuthenticationInput): Promise<PasskeyAuthenticationResult> {
  const lib = await library();
  if (!lib.browserSupportsWebAuthn()) throw new PasskeyError("unsupported");
  const query = input.authReqId ? `auth_req_id=${encodeURIComponent(input.authReqId)}` : `tenant_id=${encodeURIComponent(input.tenantId)}`;
  const options = await post(`/api/v1/passkeys/auth/options?${query}`, { username: input.username ?? "", tenant_id: input.tenantId });
  let asserted: Awaited<ReturnType<Library["startAuthentication"]>>;
  try {
    asserted = await lib.startAuthentication({
      optionsJSON: options as Parameters<Library["startAuthentication"]>[0]["optionsJSON"],
      useBrowserAutofill: input.autofill ?? false,
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    throw new PasskeyError(name === "NotAllowedError" || name === "AbortError" ? "cancelled" : "error");
  }
  const verified = (await post(`/api/v1/passkeys/auth/verify?${input.authReqId ? query : ""}`, {
    id: asserted.id,
    raw_id: asserted.rawId,
    client_data_json: asserted.response.clientDataJSON,
    authenticator_data: asserted.response.authenticatorData,
    signature: asserted.response.signature,
    username: input.autofill ? "" : (input.username ?? ""),
    tenant_id: input.tenantId,
    user_handle: asserted.response.userHandle ?? null,
    authenticator_attachment: asserted.authenticatorAttachment ?? null,
  })) as { nonce: string; need_verify: boolean };
  return { nonce: verified.nonce, needVerify: verified.need_verify };
}

/** What Verify Registration (and the account area's add call) takes: the browser's answer in the reference's fields. */
export interface PasskeyRegistrationBody {
  readonly id: string;
  readonly raw_id: string;
  readonly client_data_json: string;
  readonly attestation_object: string;
  readonly transports: readonly string[];
  readonly authenticator_attachment: string;
}

/** Runs navigator.credentials.create() for the server's options; a PasskeyError when it does not finish. */
export async function startPasskeyRegistration(optionsJSON: unknown): Promise<PasskeyRegistrationBody> {
  const lib = await library();
  if (!lib.browserSupportsWebAuthn()) throw new PasskeyError("unsupported");
  try {
    const created = await lib.startRegistration({
      optionsJSON: optionsJSON as Parameters<Library["startRegistration"]>[0]["optionsJSON"],
    });
    return {
      id: created.id,
      raw_id: created.rawId,
      client_data_json: created.response.clientDataJSON,
      attestation_object: created.response.attestationObject,
      transports: created.response.transports ?? [],
      authenticator_attachment: created.authenticatorAttachment ?? "",
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    // InvalidStateError: an authenticator in excludeCredentials, i.e. this one is registered already.
    if (name === "InvalidStateError") throw new PasskeyError("exists");
    throw new PasskeyError(name === "NotAllowedError" || name === "AbortError" ? "cancelled" : "error");
  }
}

async function post(path: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    throw new PasskeyError("error");
  }
  if (res.ok) return res.json();
  if (res.status === 401) throw new PasskeyError("not-accepted");
  if (res.status === 429) throw new PasskeyError("throttled");
  if (res.status === 404) throw new PasskeyError("expired");
  throw new PasskeyError("error");
}
