// Usernames and e-mail addresses are unique per tenant in a normalized form (Unicode NFKC, lower
// case, trimmed), so that `Alice`, `alice` and `ａｌｉｃｅ` are one user; the form the user typed
// is kept for display.

export function normalizeUsername(username: string): string {
  return nfkc(username).trim().toLowerCase();
}

export function normalizeEmail(email: string): string {
  return nfkc(email).trim().toLowerCase();
}

// Printable ASCII is its own NFKC form, and most names are printable ASCII: the check costs less
// than the normalization (both login steps normalize the username).
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function nfkc(text: string): string {
  return PRINTABLE_ASCII.test(text) ? text : text.normalize("NFKC");
}
