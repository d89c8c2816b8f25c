// What a handler may say about the HTTP answer of its REST binding, through the response headers
// every protocol already carries. The REST layer turns them into the status line and headers;
// Connect and gRPC clients simply see them as response metadata.
import type { HandlerContext } from "@connectrpc/connect";

/** Overrides the HTTP status of the REST answer (as grpc-gateway's `x-http-code`). */
export const HTTP_STATUS_HEADER = "x-http-code";

export function setHttpStatus(ctx: HandlerContext, status: number): void {
  ctx.responseHeader.set(HTTP_STATUS_HEADER, String(status));
}

/** A browser redirect: `302 Found` by default, `303 See Other` after a form POST. */
export function redirect(ctx: HandlerContext, location: string, status: 301 | 302 | 303 | 307 | 308 = 302): void {
  setHttpStatus(ctx, status);
  ctx.responseHeader.set("location", location);
}

/** Forbids caching of the answer by browsers and proxies (tokens, secrets, personal data). */
export function noStore(ctx: HandlerContext): void {
  ctx.responseHeader.set("cache-control", "no-store");
  ctx.responseHeader.set("pragma", "no-cache");
}

export interface CookieOptions {
  readonly maxAgeSeconds?: number;
  readonly path?: string;
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
  readonly sameSite?: "Strict" | "Lax" | "None";
}

export function setCookie(ctx: HandlerContext, name: string, value: string, options: CookieOptions = {}): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? "/"}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (options.httpOnly ?? true) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  parts.push(`SameSite=${options.sameSite ?? "Lax"}`);
  ctx.responseHeader.append("set-cookie", parts.join("; "));
}

/** Reads a cookie of the request. */
export function getCookie(ctx: HandlerContext, name: string): string | undefined {
  const header = ctx.requestHeader.get("cookie");
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq !== -1 && pair.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
