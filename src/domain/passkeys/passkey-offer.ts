// The offer to add a passkey after a PIN/pattern sign-in on the hosted pages (docs/passkeys.md,
// "Hosted pages"). "Not now" is remembered per browser, in a cookie of its own that Sign In reads:
// the person is not asked again at every sign-in, and asked again after a while.
export const PASSKEY_OFFER_LATER_COOKIE = "svault_passkey_later";
/** How long "Not now" holds: 90 days. */
export const PASSKEY_OFFER_LATER_SECONDS = 90 * 86_400;
