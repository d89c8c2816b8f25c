// @simplewebauthn/server, loaded on the first passkey operation rather than at start: it is about
// 11 MiB of the process's memory (docs/performance.md, "Memory"), and many installations never
// use passkeys.
type WebAuthn = typeof import("@simplewebauthn/server");

let loading: Promise<WebAuthn> | undefined;

export function webauthn(): Promise<WebAuthn> {
  loading ??= import("@simplewebauthn/server");
  return loading;
}
