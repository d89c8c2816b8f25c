// The passkey ceremonies as an application's page runs them: @simplewebauthn/browser in the real
// browser, against the service's REST API on the page's own origin (which must be PUBLIC_URL's).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/browser";
import type { Page } from "playwright-core";

// The package exports no path to its UMD bundle: found from its package root (its entry point is script/index.js).
const ENTRY = createRequire(import.meta.url).resolve("@simplewebauthn/browser");
const BUNDLE = readFileSync(join(dirname(dirname(ENTRY)), "dist", "bundle", "index.umd.min.js"), "utf8");

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Puts the library on the page (as DevTools does: no page script, so the page's CSP does not apply). */
async function withLibrary(page: Page): Promise<void> {
  if (!(await page.evaluate(() => "SimpleWebAuthnBrowser" in globalThis))) await page.evaluate(BUNDLE);
}

/** Register Options → navigator.credentials.create() → Verify Registration, as the user of `apiKey`. */
export async function registerPasskey(page: Page, apiKey: string, name = ""): Promise<Answer> {
  await withLibrary(page);
  return page.evaluate(
    async ({ apiKey, name }) => {
      const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: typeof import("@simplewebauthn/browser") }).SimpleWebAuthnBrowser;
      const headers = { "x-api-key": apiKey, "content-type": "application/json" };
      const options = await fetch("/api/v1/passkeys/register/options", { method: "POST", headers });
      if (!options.ok) return { status: options.status, body: await options.json() };
      let created: Awaited<ReturnType<typeof lib.startRegistration>>;
      try {
        created = await lib.startRegistration({ optionsJSON: await options.json() });
      } catch (error) {
        return { status: 0, body: String((error as Error).name) };
      }
      const verify = await fetch("/api/v1/passkeys/register/verify", {
        method: "POST",
        headers,
        body: JSON.stringify({
          id: created.id,
          raw_id: created.rawId,
          client_data_json: created.response.clientDataJSON,
          attestation_object: created.response.attestationObject,
          transports: created.response.transports ?? [],
          authenticator_attachment: created.authenticatorAttachment ?? null,
          name: name || null,
        }),
      });
      return { status: verify.status, body: await verify.json() };
    },
    { apiKey, name },
  );
}

export interface SignInOptions {
  /** Auth Options' and Verify Auth's query (`tenant_id=…` or `auth_req_id=…`). */
  readonly query: string;
  /** Username-first when given, else usernameless. */
  readonly username?: string;
  /** Verify Auth's `tenant_id` (default: the query's). */
  readonly tenantId?: string;
  /** Overrides the options' user verification, as a client that does not ask for it would. */
  readonly userVerification?: "discouraged";
}

/** Auth Options → navigator.credentials.get() → Verify Auth: `{nonce, need_verify}` when accepted. */
export async function signInWithPasskey(page: Page, options: SignInOptions): Promise<Answer> {
  await withLibrary(page);
  return page.evaluate(async ({ query, username, tenantId, userVerification }) => {
    const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: typeof import("@simplewebauthn/browser") }).SimpleWebAuthnBrowser;
    const headers = { "content-type": "application/json" };
    const optionsAnswer = await fetch(`/api/v1/passkeys/auth/options?${query}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ username: username ?? "" }),
    });
    if (!optionsAnswer.ok) return { status: optionsAnswer.status, body: await optionsAnswer.json() };
    let asserted: Awaited<ReturnType<typeof lib.startAuthentication>>;
    try {
      const optionsJSON = await optionsAnswer.json();
      if (userVerification) optionsJSON.userVerification = userVerification;
      asserted = await lib.startAuthentication({ optionsJSON });
    } catch (error) {
      return { status: 0, body: String((error as Error).name) };
    }
    const verify = await fetch(`/api/v1/passkeys/auth/verify?${query}`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        id: asserted.id,
        raw_id: asserted.rawId,
        client_data_json: asserted.response.clientDataJSON,
        authenticator_data: asserted.response.authenticatorData,
        signature: asserted.response.signature,
        username: username ?? "",
        // The reference names the tenant in Verify Auth's body (only auth_req_id is a query parameter).
        tenant_id: tenantId ?? new URLSearchParams(query).get("tenant_id") ?? "",
        user_handle: asserted.response.userHandle ?? null,
        authenticator_attachment: asserted.authenticatorAttachment ?? null,
      }),
    });
    return { status: verify.status, body: await verify.json() };
  }, options);
}

/** navigator.credentials.create() with options from anywhere (e.g. a gRPC answer): RegistrationResponseJSON. */
export async function createCredential(page: Page, optionsJSON: unknown): Promise<RegistrationResponseJSON> {
  await withLibrary(page);
  return page.evaluate(async (optionsJSON) => {
    const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: typeof import("@simplewebauthn/browser") }).SimpleWebAuthnBrowser;
    return lib.startRegistration({ optionsJSON: optionsJSON as Parameters<typeof lib.startRegistration>[0]["optionsJSON"] });
  }, optionsJSON);
}

/** navigator.credentials.get() with options from anywhere: AuthenticationResponseJSON. */
export async function getAssertion(page: Page, optionsJSON: unknown): Promise<AuthenticationResponseJSON> {
  await withLibrary(page);
  return page.evaluate(async (optionsJSON) => {
    const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: typeof import("@simplewebauthn/browser") }).SimpleWebAuthnBrowser;
    return lib.startAuthentication({ optionsJSON: optionsJSON as Parameters<typeof lib.startAuthentication>[0]["optionsJSON"] });
  }, optionsJSON);
}
