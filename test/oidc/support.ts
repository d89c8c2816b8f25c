// An application using `openid-client` against the real server, and a "browser" that follows
// redirects by hand (keeping the session cookie) and signs in through the SDK over the API.
import assert from "node:assert/strict";
import * as oidc from "openid-client";
import { RestTransport } from "../../src/sdk/rest-transport.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { SvaultAuthClient } from "../../src/sdk/svault-auth-client.js";
import { createTenant, rest } from "../support/fixtures.js";
import type { Change } from "../../src/persistence/change-feed.js";
import type { TestServer } from "../support/test-server.js";

export const SECRET = "pinpat/v1|PIN:482913";
export const REDIRECT_URI = "http://localhost:4000/callback";

export interface RelyingParty {
  readonly config: oidc.Configuration;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
}

/** A tenant with open registration, a registered user, and a client. */
export async function setUpTenant(
  server: TestServer,
  tenantId: string,
  client: { clientId: string; type?: "public" | "confidential"; singAlg?: "EdDSA" | "RS256"; extra?: Record<string, unknown> },
  username = "alice",
  /** More tenant settings (e.g. `is_2fa`). */
  tenantSettings: Record<string, unknown> = {},
): Promise<{ clientSecret: string | undefined }> {
  await createTenant(server, tenantId, { register_enable: true, has_username_and_email: false, ...tenantSettings });
  const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: tenantId,
    client_id: client.clientId,
    name: client.clientId,
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uri: ["http://localhost:4000/bye"],
    client_type: client.type ?? "confidential",
    sing_alg: client.singAlg ?? "EdDSA",
    flow: {
      grant_types: ["authorization_code", "refresh_token", "client_credentials"].filter(
        (g) => client.type !== "public" || g !== "client_credentials",
      ),
    },
    ...client.extra,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await authClient(server, tenantId).register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
  return { clientSecret: (created.body as { client_secret?: string }).client_secret };
}

export function authClient(server: TestServer, tenantId: string, authReqId?: string): SvaultAuthClient {
  return new SvaultAuthClient({
    transport: new RestTransport({ baseUrl: server.baseUrl }),
    issuer: `${server.config.publicUrl}/${tenantId}`,
    tenantId,
    ...(authReqId ? { authReqId } : {}),
  });
}

export async function discover(
  _server: TestServer,
  issuer: string,
  clientId: string,
  clientSecret: string | undefined,
): Promise<RelyingParty> {
  const auth = clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None();
  const config = await oidc.discovery(new URL(issuer), clientId, clientSecret ? { client_secret: clientSecret } : {}, auth, {
    execute: [oidc.allowInsecureRequests],
  });
  return { config, clientId, clientSecret };
}

/** A browser: follows redirects one by one and keeps cookies. */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** `headers` go with every request (e.g. a `user-agent`). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  async get(url: string): Promise<Response> {
    return this.send(url);
  }

  /** A form POST, as a browser submits an HTML form. */
  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.send(url, { method: "POST", body: new URLSearchParams(form) });
  }

  private async send(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...this.headers, ...(cookie ? { cookie } : {}) } });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(";");
      const eq = (pair ?? "").indexOf("=");
      const name = (pair ?? "").slice(0, eq);
      const value = (pair ?? "").slice(eq + 1);
      if (/Max-Age=0/i.test(set) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** GET and return the Location of the redirect it must answer. */
  async redirectOf(url: string): Promise<URL> {
    const res = await this.get(url);
    assert.ok(res.status === 302 || res.status === 303, `expected a redirect from ${url}, got ${res.status}: ${await res.text()}`);
    return new URL(res.headers.get("location") as string);
  }
}

/** The whole browser part of a login: authorize → login page → SDK login → Sign In → callback URL. */
export async function browserLogin(
  server: TestServer,
  browser: Browser,
  authorizationUrl: URL,
  tenantId: string,
  username = "alice",
  secret = SECRET,
): Promise<URL> {
  const loginPage = await browser.redirectOf(authorizationUrl.toString());
  if (loginPage.pathname !== "/ui/login") return loginPage; // SSO, or an error back to the client
  const authReqId = loginPage.searchParams.get("auth_req_id") as string;
  const { nonce } = await authClient(server, tenantId, authReqId).login({ username, secret });
  const signIn = new URL(`${server.baseUrl}/api/v1/auth/signin`);
  signIn.search = new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId }).toString();
  return browser.redirectOf(signIn.toString());
}

/** An authorization request URL built by hand (for requests an application library would refuse to build). */
export function authorizeUrl(issuer: string, params: Record<string, string>): URL {
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams(params).toString();
  return url;
}

/** A fresh PKCE pair (S256). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
}

/** `Authorization: Basic` of client_secret_basic (RFC 6749 §2.3.1: form-urlencoded parts). */
export function basicAuth(clientId: string, secret: string): string {
  const enc = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString("base64")}`;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;
}

/** A raw HTTP call that follows no redirect (for requests that must misbehave). */
export async function send(
  url: string,
  init: { method?: string; form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: init.method ?? (init.form ? "POST" : "GET"),
    redirect: "manual",
    headers: init.headers ?? {},
    ...(init.form ? { body: new URLSearchParams(init.form) } : init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * Asserts an RFC 6749 §5.2 / RFC 6750 §3 error answer: the status, exactly `{error,
 * error_description}`, `Cache-Control: no-store`, and `WWW-Authenticate` on 401.
 */
export function assertOAuthError(res: RawAnswer, status: number, error: string, context = ""): void {
  const what = `${context} ${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, what);
  assert.ok(res.body && typeof res.body === "object", what);
  assert.deepEqual(Object.keys(res.body as object).sort(), ["error", "error_description"], what);
  const body = res.body as { error: unknown; error_description: unknown };
  assert.equal(body.error, error, what);
  assert.equal(typeof body.error_description, "string", what);
  assert.ok((body.error_description as string).length > 0, what);
  assert.match(res.headers.get("cache-control") ?? "", /no-store/, `${what}: Cache-Control`);
  if (status === 401) {
    const challenge = res.headers.get("www-authenticate") ?? "";
    const scheme = error === "invalid_client" ? /^Basic\b/ : /^Bearer\b/;
    assert.match(challenge, scheme, `${what}: WWW-Authenticate ${challenge}`);
  }
}

/**
 * The next change of `table` in `tenantId` that `server`'s change feed hears: a write made behind
 * the instance's back (SQL by hand, another instance) reaches its caches then, not before.
 */
export function heardChange(server: TestServer, table: Change["table"], tenantId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = server.running.database.changes.onChange((change) => {
      if (change.table !== table || change.tenantId !== tenantId) return;
      stop();
      resolve();
    });
  });
}
