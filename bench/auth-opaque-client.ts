// The benchmark's OPAQUE client: the low-level @serenity-kit/opaque calls with the identifiers of
// docs/login-protocol.md §3, but with a tiny Argon2id (8 KiB, 1 pass) while declaring the light
// proto_version. The server never sees the client's key stretching, so this changes nothing on
// the server side; it only keeps the client's cost small (it runs on the load generator's core).
// Registration and login are the exact wire messages of §6 and §7.
import * as opaque from "@serenity-kit/opaque";
import {
  decodeChallengeData,
  type LoginChallengeData,
  loginCipherKey,
  type RegisterChallengeData,
  registerCipherKey,
} from "../src/sdk/challenge-data.js";
import { encryptCommitment, selectEncryptionKey } from "../src/sdk/commitment.js";
import { opaqueIdentifiers } from "../src/sdk/identity.js";
import { PROTO_VERSION_LIGHT } from "../src/sdk/proto-version.js";

/** What the bench client stretches with (the server cannot tell). */
export const BENCH_KEY_STRETCHING = { "argon2id-custom": { memory: 8, iterations: 1, parallelism: 1 } } as const;
/** What the bench client declares at registration (so the server answers it at login). */
export const BENCH_PROTO_VERSION = PROTO_VERSION_LIGHT;

export const opaqueReady: Promise<void> = opaque.ready;

export interface BenchUser {
  readonly username: string;
  readonly secret: string;
}

export interface PreparedKe1 {
  readonly clientLoginState: string;
  /** `login:<KE1>`. */
  readonly cipherKey: string;
}

/** KE1 (client.startLogin): made before the timed loop. */
export function prepareKe1(secret: string): PreparedKe1 {
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: secret });
  return { clientLoginState, cipherKey: loginCipherKey(startLoginRequest) };
}

/** KE3 from Get Challenge's `challenge_data` (client.finishLogin); undefined for a wrong secret. */
export function ke3Of(
  prepared: PreparedKe1,
  user: BenchUser,
  challengeData: string,
  issuer: string,
  tenantId: string,
): { challengeId: string; ke3: string } | undefined {
  const data: LoginChallengeData = decodeChallengeData(challengeData, "login");
  const finished = opaque.client.finishLogin({
    clientLoginState: prepared.clientLoginState,
    loginResponse: data.login_response,
    password: user.secret,
    identifiers: opaqueIdentifiers(issuer, tenantId, user.username),
    keyStretching: BENCH_KEY_STRETCHING,
  });
  return finished ? { challengeId: data.challenge_id, ke3: finished.finishLoginRequest } : undefined;
}

/** JSON over HTTP with fetch; throws on a non-2xx answer (setup only, not the timed loops). */
export async function callJson(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/** Self-service registration through the real API (§6): Get Challenge `register:`, then Register. */
export async function registerUser(baseUrl: string, issuer: string, tenantId: string, user: BenchUser): Promise<void> {
  await opaque.ready;
  const jwks = (await callJson(`${baseUrl}/${tenantId}/.well-known/jwks.json`)) as { keys: [] };
  const encKey = selectEncryptionKey(jwks);
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: user.secret });
  const answer = await callJson(`${baseUrl}/api/v1/auth/challenge?tenant_id=${tenantId}`, {
    body: { username: user.username, cipherKey: registerCipherKey(registrationRequest) },
  });
  const data: RegisterChallengeData = decodeChallengeData(String(answer.challenge_data), "register");
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse: data.registration_response,
    password: user.secret,
    identifiers: opaqueIdentifiers(issuer, tenantId, user.username),
    keyStretching: BENCH_KEY_STRETCHING,
  });
  const encrypted = await encryptCommitment(encKey, { challenge_id: data.challenge_id, registration_record: registrationRecord });
  await callJson(`${baseUrl}/api/v1/auth/register?tenant_id=${tenantId}`, {
    body: { username: user.username, encrypted_commitment: encrypted, proto_version: BENCH_PROTO_VERSION },
  });
}

/** A whole login through the API (§7), optionally for a pending authorization request: the nonce. */
export async function loginUser(
  baseUrl: string,
  issuer: string,
  tenantId: string,
  user: BenchUser,
  authReqId?: string,
  headers: Record<string, string> = {},
): Promise<string> {
  await opaque.ready;
  const query = authReqId ? `auth_req_id=${encodeURIComponent(authReqId)}` : `tenant_id=${tenantId}`;
  const prepared = prepareKe1(user.secret);
  const answer = await callJson(`${baseUrl}/api/v1/auth/challenge?${query}`, {
    body: { username: user.username, cipherKey: prepared.cipherKey },
    headers,
  });
  if (answer.proto_version !== BENCH_PROTO_VERSION) throw new Error(`unexpected proto_version ${String(answer.proto_version)}`);
  const finished = ke3Of(prepared, user, String(answer.challenge_data), issuer, tenantId);
  if (!finished) throw new Error(`login of ${user.username}: KE2 did not verify (wrong secret?)`);
  const result = await callJson(`${baseUrl}/api/v1/auth/authenticate?${query}`, {
    body: { username: user.username, cipherKey: prepared.cipherKey, challenge_id: finished.challengeId, challenge_data: finished.ke3 },
    headers,
  });
  if (typeof result.nonce !== "string") throw new Error("Authenticate answered no nonce");
  return result.nonce;
}
