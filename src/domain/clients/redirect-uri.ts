// Redirect URIs are compared by exact string match at authorization time (RFC 9700 §2.1), so they
// must be registered exactly and safely: absolute, no fragment, and https — except plain http on
// a loopback host (RFC 8252 §7.3) and private-use schemes of native apps, which must contain a
// dot (reverse domain name, RFC 8252 §7.1) so that they cannot be `javascript:` or `data:`.
import type { FieldViolation } from "../../errors/domain-error.js";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "must be an absolute URI";
  }
  if (uri.includes("#")) return "must not contain a fragment";
  if (url.protocol === "https:") return url.hostname ? undefined : "must name a host";
  if (url.protocol === "http:") return LOOPBACK_HOSTS.has(url.hostname) ? undefined : "must use https (http only for loopback hosts)";
  const scheme = url.protocol.slice(0, -1);
  return scheme.includes(".") ? undefined : "must use https, http on a loopback host, or a reverse-domain private-use scheme";
}

export function redirectUriViolations(field: string, uris: readonly string[]): FieldViolation[] {
  const violations: FieldViolation[] = [];
  uris.forEach((uri, index) => {
    const problem = redirectUriProblem(uri);
    if (problem) violations.push({ path: [field, index], message: `Redirect URI ${problem}`, type: "redirect_uri" });
  });
  return violations;
}
