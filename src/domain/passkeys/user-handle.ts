// The WebAuthn user handle of a user: the 16 bytes of their id (a uuid). Opaque and free of
// personal data, as the specification asks; discoverable credentials hand it back on sign-in.
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replaceAll("-", ""), "hex"));
}

/** The base64url form a response carries (`user_handle`). */
export function encodedUserHandleOf(userId: string): string {
  return Buffer.from(userHandleOf(userId)).toString("base64url");
}
