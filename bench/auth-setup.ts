// Fixtures of the auth benchmark, made through the real API before anything is timed: a tenant
// with open registration, a confidential client, users registered with OPAQUE (§6), and OIDC
// authorization-code flows driven like a browser (authorize → login page → login over the API →
// Sign In → callback → token), each giving an access token and the head of a refresh-token chain.
import { createHash, randomBytes } from "node:crypto";
import { type BenchUser, callJson, loginUser, registerUser } from "./auth-opaque-client.js";

export const REDIRECT_URI = "http://localhost:4000/callback";
export const FLOW_SCOPE = "openid profile email offline_access";

export interface BenchClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** `Authorization: Basic` of client_secret_basic (RFC 6749 §2.3.1: form-urlencoded parts). */
  readonly basic: string;
}

export interface Target {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly tenantId: string;
}

function basicAuth(clientId: string, secret: string): string {
  const enc = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString("base64")}`;
}

export async function createTenantAndClient(target: Target, adminKey: string): Promise<BenchClient> {
  const headers = { "x-api-key": adminKey };
  await callJson(`${target.baseUrl}/api/v1/tenants`, {
    body: { tenant_id: target.tenantId, register_enable: true, has_username_and_email: false },
    headers,
  });
  const clientId = "bench-app";
  const created = await callJson(`${target.baseUrl}/api/v1/clients`, {
    body: {
      tenant_id: target.tenantId,
      client_id: clientId,
      name: clientId,
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uri: ["http://localhost:4000/bye"],
      client_type: "confidential",
      sing_alg: "EdDSA",
      flow: { grant_types: ["authorization_code", "refresh_token", "client_credentials"] },
    },
    headers,
  });
  const clientSecret = created.client_secret;
  if (typeof clientSecret !== "string") throw new Error("the created client has no secret");
  return { clientId, clientSecret, basic: basicAuth(clientId, clientSecret) };
}

/** Runs `work` over `items` with at most `parallel` in flight. */
export async function inBatches<T, R>(items: readonly T[], parallel: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
}

export function benchUsers(count: number): BenchUser[] {
  // Distinct 6-digit PINs per user, encoded as the SDK does (docs/login-protocol.md §4).
  return Array.from({ length: count }, (_, i) => ({
    username: `bench-user-${String(i).padStart(3, "0")}`,
    secret: `pinpat/v1|PIN:${String(481_273 + i * 7919).slice(-6)}`,
  }));
}

export async function registerUsers(target: Target, users: readonly BenchUser[]): Promise<void> {
  await inBatches(users, 4, (user) => registerUser(target.baseUrl, target.issuer, target.tenantId, user));
}

async function redirectOf(url: string, cookie?: string): Promise<URL> {
  const res = await fetch(url, { redirect: "manual", ...(cookie ? { headers: { cookie } } : {}) });
  await res.arrayBuffer();
  const location = res.headers.get("location");
  if ((res.status !== 302 && res.status !== 303) || !location) throw new Error(`expected a redirect from ${url}, got ${res.status}`);
  return new URL(location, url);
}

export interface FlowTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** One authorization-code flow with PKCE for `user`, as a fresh browser (its own session). */
export async function codeFlow(target: Target, client: BenchClient, user: BenchUser): Promise<FlowTokens> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(12).toString("base64url");
  const authorize = new URL(`${target.issuer}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: FLOW_SCOPE,
    state,
    nonce: randomBytes(12).toString("base64url"),
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const loginPage = await redirectOf(authorize.toString());
  const authReqId = loginPage.searchParams.get("auth_req_id");
  if (loginPage.pathname !== "/ui/login" || !authReqId) throw new Error(`authorize did not lead to the login page: ${loginPage}`);
  const nonce = await loginUser(target.baseUrl, target.issuer, target.tenantId, user, authReqId);
  const signIn = new URL(`${target.baseUrl}/api/v1/auth/signin`);
  signIn.search = new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId }).toString();
  const callback = await redirectOf(signIn.toString());
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) throw new Error(`Sign In did not answer a code: ${callback}`);
  const res = await fetch(`${target.issuer}/token`, {
    method: "POST",
    headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
  const tokens = (await res.json()) as { access_token?: string; refresh_token?: string };
  if (res.status !== 200 || !tokens.access_token || !tokens.refresh_token) {
    throw new Error(`the code exchange answered ${res.status}: ${JSON.stringify(tokens)}`);
  }
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}
