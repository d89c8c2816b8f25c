// A relying party on `oauth4webapi`, which implements PAR, JAR, private_key_jwt and DPoP as a
// client, against the real server; and the browser steps between its authorization request and
// its callback (test/oidc/support.ts does the login through the SDK).
import assert from "node:assert/strict";
import { exportJWK } from "jose";
import * as oauth from "oauth4webapi";
import { rest } from "../support/fixtures.js";
import type { TestServer } from "../support/test-server.js";
import { authClient, type Browser, REDIRECT_URI, SECRET } from "./support.js";

export { oauth };

/** The authorization server as oauth4webapi discovers it (http is fine on the test listener). */
export async function discoverAs(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  const response = await oauth.discoveryRequest(url, { algorithm: "oidc", [oauth.allowInsecureRequests]: true });
  return oauth.processDiscoveryResponse(url, response);
}

/** Options of every oauth4webapi request to the test listener. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** A fresh key pair and its public JWK (with a kid), for a client's `jwks`. */
export async function clientKeyPair(alg = "EdDSA", kid = `k-${Math.random().toString(36).slice(2)}`) {
  const pair = await oauth.generateKeyPair(alg, { extractable: true });
  // No `alg` on the JWK: oauth4webapi signs EdDSA keys as `Ed25519` (RFC 9864), others as named.
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, use: "sig" };
  return { pair, jwk, privateKey: { key: pair.privateKey, kid } satisfies oauth.PrivateKey };
}

/** Registers a client through the admin API; answers its secret (confidential clients). */
export async function registerClient(server: TestServer, tenantId: string, clientId: string, settings: Record<string, unknown> = {}) {
  const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: tenantId,
    client_id: clientId,
    name: clientId,
    redirect_uris: [REDIRECT_URI],
    flow: { grant_types: ["authorization_code", "refresh_token", "client_credentials"] },
    ...settings,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return (created.body as { client_secret?: string }).client_secret;
}

/**
 * From the hosted login page the authorization endpoint sent the browser to, through the SDK
 * login and Sign In, to the client's callback URL.
 */
export async function loginFrom(server: TestServer, browser: Browser, loginPage: URL, tenantId: string): Promise<URL> {
  assert.equal(loginPage.pathname, "/ui/login", `expected the login page, got ${loginPage}`);
  const authReqId = loginPage.searchParams.get("auth_req_id") as string;
  const { nonce } = await authClient(server, tenantId, authReqId).login({ username: "alice", secret: SECRET });
  const signIn = new URL(`${server.baseUrl}/api/v1/auth/signin`);
  signIn.search = new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId }).toString();
  return browser.redirectOf(signIn.toString());
}

/** Where a redirect answer points. */
export function locationOf(res: Response): URL {
  assert.ok(res.status === 302 || res.status === 303, `expected a redirect, got ${res.status}`);
  return new URL(res.headers.get("location") as string);
}

/** The query string of an authorization request (PKCE S256 and a nonce included). */
export async function authorizationParams(clientId: string, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const params: Record<string, string> = {
    client_id: clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...extra,
  };
  return { params, verifier };
}
