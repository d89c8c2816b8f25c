// @simplewebauthn/server, loaded on the first passkey operation rather than at start: it is about
// 11 MiB of the process's memory (docs/performance.md, "Memory"), and many installations never
// use passkeys. Its helpers (CBOR of COSE keys and authenticator data) come with it.
type WebAuthn = typeof import("@simplewebauthn/server");
type WebAuthnHelpers = typeof import("@simplewebauthn/server/helpers");

let loading: Promise<WebAuthn> | undefined;
let loadingHelpers: Promise<WebAuthnHelpers> | undefined;

export function webauthn(): Promise<WebAuthn> {
  loading ??= import("@simplewebauthn/server");
  return loading;
}

export function webauthnHelpers(): Promise<WebAuthnHelpers> {
  loadingHelpers ??= import("@simplewebauthn/server/helpers");
  return loadingHelpers;
}
