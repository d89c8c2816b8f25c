// Usernames and e-mail addresses are unique per tenant in a normalized form (Unicode NFKC, lower
// case, trimmed), so that `Alice`, `alice` and `ａｌｉｃｅ` are one user; the form the user typed
// is kept for display.

export function normalizeUsername(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase();
}

export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}
