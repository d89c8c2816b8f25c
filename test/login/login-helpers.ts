// Helpers shared by the end-to-end tests of the login protocol (docs/login-protocol.md): raw REST
// calls for tests that forge or tamper with messages, hand-made OPAQUE messages with
// @serenity-kit/opaque, SDK clients for whole flows, and SQL on the server's database.
import { randomBytes } from "node:crypto";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as opaque from "@serenity-kit/opaque";
import type { JWK } from "jose";
import { decodeChallengeData, loginCipherKey, registerCipherKey } from "../../src/sdk/challenge-data.js";
import { encryptCommitment, selectEncryptionKey } from "../../src/sdk/commitment.js";
import { ConnectTransport } from "../../src/sdk/connect-transport.js";
import { normalizeUsername, opaqueIdentifiers } from "../../src/sdk/identity.js";
import { PROTO_VERSION_LIGHT, parseProtoVersion } from "../../src/sdk/proto-version.js";
import { RestTransport } from "../../src/sdk/rest-transport.js";
import { encodeSecret } from "../../src/sdk/secret.js";
import { SvaultAuthClient } from "../../src/sdk/svault-auth-client.js";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import type { TestServer } from "../support/test-server.js";

export type Json = Record<string, unknown>;

/** The default tenant's factors: a 6-digit PIN, then a pattern on a 3×3 grid. */
export const POLICY = { usePin: true, pinSize: 6, usePattern: true, patterSize: 3, loginOrder: ["PIN", "PATTERN"] };

/** The encoded secret for `pin` (and a fixed pattern) in a tenant with the default factors. */
export function secretOf(pin: string, pattern: readonly number[] = [0, 4, 8, 5]): string {
  return encodeSecret(POLICY, { pin, pattern });
}

/** Throttling loose enough that a test's own attempts never hit it. */
export const RELAXED_BLOCKING = { user_free_attempts: 99, user_block_after: 100, ip_block_after: 100000 };

export const LIGHT_STRETCHING = parseProtoVersion(PROTO_VERSION_LIGHT).keyStretching;

/** What every failed Authenticate answers (§7). */
export const INVALID_LOGIN = { detail: "Invalid username or secret" };

export const USER_AGENT = "svault-login-tests/1.0";

export const issuerOf = (server: TestServer, tenantId: string) => `${server.config.publicUrl}/${tenantId}`;

/** Runs SQL (`?` placeholders) on the server's database. */
export async function sql<T = Json>(server: TestServer, query: string, params: unknown[] = []): Promise<T[]> {
  return (await server.running.database.orm.em.getConnection().execute(query, params)) as T[];
}

export async function userIdOf(server: TestServer, tenantId: string, username: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }>(server, "select id from app_user where tenant_id = ? and username_normalized = ?", [
    tenantId,
    normalizeUsername(username),
  ]);
  return row?.id;
}

export async function countUsers(server: TestServer, tenantId: string): Promise<number> {
  const [row] = await sql<{ n: string }>(server, "select count(*) as n from app_user where tenant_id = ?", [tenantId]);
  return Number(row?.n ?? 0);
}

export interface SdkOptions {
  readonly apiKey?: string;
  readonly authReqId?: string;
  readonly grpc?: boolean;
}

/** An SDK client of `tenantId` over REST (or gRPC). */
export function sdk(server: TestServer, tenantId: string, options: SdkOptions = {}): SvaultAuthClient {
  const transport = options.grpc
    ? new ConnectTransport({ transport: createGrpcTransport({ baseUrl: server.grpcUrl }), apiKey: options.apiKey })
    : new RestTransport({ baseUrl: server.baseUrl, apiKey: options.apiKey, headers: { "user-agent": USER_AGENT } });
  return new SvaultAuthClient({ transport, issuer: issuerOf(server, tenantId), authReqId: options.authReqId });
}

/**
 * An SDK client over REST that keeps the last request it sent, so that a test can send it again
 * unchanged — as a client does whose call failed with a 5xx or lost its answer.
 */
export function resendingSdk(server: TestServer, tenantId: string, options: { apiKey?: string } = {}) {
  let last: { input: string | URL | Request; init: RequestInit | undefined } | undefined;
  const transport = new RestTransport({
    baseUrl: server.baseUrl,
    apiKey: options.apiKey,
    headers: { "user-agent": USER_AGENT },
    fetch: (input, init) => {
      last = { input, init };
      return fetch(input, init);
    },
  });
  return {
    client: new SvaultAuthClient({ transport, issuer: issuerOf(server, tenantId) }),
    /** Sends the last request again; answers its status. */
    async resendLast(): Promise<number> {
      if (!last) throw new Error("nothing was sent");
      const res = await fetch(last.input, last.init);
      await res.arrayBuffer();
      return res.status;
    },
  };
}

/** Registers `username` through the SDK with the light suite; returns the new user's id. */
export async function registerUser(
  server: TestServer,
  tenantId: string,
  username: string,
  secret: string,
  email?: string,
): Promise<string> {
  await sdk(server, tenantId).register({ username, secret, email, protoVersion: PROTO_VERSION_LIGHT });
  const id = await userIdOf(server, tenantId, username);
  if (!id) throw new Error(`${username} was not created`);
  return id;
}

export interface RawAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** A raw call of the REST API; `query` values that are undefined are left out. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { query?: Record<string, string | undefined>; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const url = new URL(server.baseUrl + path);
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = { "user-agent": USER_AGENT, ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/** Get Challenge at `tenantId` (or with `auth_req_id`). */
export function getChallenge(
  server: TestServer,
  tenantId: string | undefined,
  body: Json,
  options: { authReqId?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  return call(server, "POST", "/api/v1/auth/challenge", {
    query: { tenant_id: tenantId, auth_req_id: options.authReqId },
    body,
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

/** Authenticate at `tenantId` (or with `auth_req_id`). */
export function authenticate(
  server: TestServer,
  tenantId: string | undefined,
  body: Json,
  options: { authReqId?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  return call(server, "POST", "/api/v1/auth/authenticate", {
    query: { tenant_id: tenantId, auth_req_id: options.authReqId },
    body,
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

/** Register (step 2) at `tenantId` (or with `auth_req_id`). */
export function register(server: TestServer, tenantId: string | undefined, body: Json, options: { authReqId?: string } = {}) {
  return call(server, "POST", "/api/v1/auth/register", { query: { tenant_id: tenantId, auth_req_id: options.authReqId }, body });
}

/** A fresh OPAQUE KE1 for `secret`, as `login:<KE1>`, with the client state to finish it. */
export async function startLogin(secret: string): Promise<{ cipherKey: string; clientLoginState: string }> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: secret });
  return { cipherKey: loginCipherKey(startLoginRequest), clientLoginState };
}

export interface LoginStep1 {
  readonly cipherKey: string;
  readonly clientLoginState: string;
  readonly answer: RawAnswer;
  readonly challengeId: string;
  readonly ke2: string;
  /** The decoded challenge_data. */
  readonly data: { v: number; kind: string; challenge_id: string; login_response: string };
}

/** Login step 1 by hand: KE1 for `secret`, Get Challenge; fails unless the answer is 200. */
export async function loginStep1(
  server: TestServer,
  tenantId: string,
  username: string,
  secret: string,
  options: { authReqId?: string } = {},
): Promise<LoginStep1> {
  const { cipherKey, clientLoginState } = await startLogin(secret);
  const answer = await getChallenge(server, options.authReqId ? undefined : tenantId, { username, cipherKey }, options);
  if (answer.status !== 200) throw new Error(`Get Challenge: ${answer.status} ${JSON.stringify(answer.body)}`);
  const encoded = (answer.body as { challenge_data: string }).challenge_data;
  const data = decodeChallengeData(encoded, "login");
  return { cipherKey, clientLoginState, answer, challengeId: data.challenge_id, ke2: data.login_response, data };
}

/** KE3 for a step-1 answer (light suite), or undefined when the secret is wrong. */
export function ke3Of(server: TestServer, tenantId: string, username: string, secret: string, step: LoginStep1): string | undefined {
  const finished = opaque.client.finishLogin({
    clientLoginState: step.clientLoginState,
    loginResponse: step.ke2,
    password: secret,
    identifiers: { ...opaqueIdentifiers(issuerOf(server, tenantId), tenantId, username) },
    keyStretching: LIGHT_STRETCHING,
  });
  return finished?.finishLoginRequest;
}

/** A KE3-sized random value: what a client that does not know the secret can send. */
export const forgedKe3 = () => randomBytes(64).toString("base64url");

/** The Authenticate body for a step-1 run. */
export function proofOf(username: string, step: LoginStep1, ke3: string, extra: Json = {}): Json {
  return { username, cipherKey: step.cipherKey, challenge_id: step.challengeId, challenge_data: ke3, ...extra };
}

/** The tenant's published X25519 encryption key. */
export async function encryptionKeyOf(server: TestServer, tenantId: string): Promise<JWK> {
  const res = await call(server, "GET", `/${tenantId}/.well-known/jwks.json`);
  if (res.status !== 200) throw new Error(`JWKS of ${tenantId}: ${res.status}`);
  return selectEncryptionKey(res.body as { keys: JWK[] });
}

export interface PreparedRegistration {
  readonly challengeId: string;
  readonly registrationRecord: string;
  readonly registrationRequest: string;
  /** The JWE to the tenant's key, ready for Register. */
  readonly commitment: string;
  readonly payload: { challenge_id: string; registration_record: string };
}

/**
 * Registration step 1 by hand (Get Challenge with `register:`) and the client's finish, with the
 * light suite; the commitment is encrypted to `tenantId`'s key unless `encryptTo` is given.
 */
export async function prepareRegistration(
  server: TestServer,
  tenantId: string,
  username: string,
  secret: string,
  options: { authReqId?: string; encryptTo?: JWK } = {},
): Promise<PreparedRegistration> {
  await opaque.ready;
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: secret });
  const answer = await getChallenge(
    server,
    options.authReqId ? undefined : tenantId,
    { username, cipherKey: registerCipherKey(registrationRequest) },
    options,
  );
  if (answer.status !== 200) throw new Error(`register Get Challenge: ${answer.status} ${JSON.stringify(answer.body)}`);
  const data = decodeChallengeData((answer.body as { challenge_data: string }).challenge_data, "register");
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse: data.registration_response,
    password: secret,
    identifiers: { ...opaqueIdentifiers(issuerOf(server, tenantId), tenantId, username) },
    keyStretching: LIGHT_STRETCHING,
  });
  const payload = { challenge_id: data.challenge_id, registration_record: registrationRecord };
  const key = options.encryptTo ?? (await encryptionKeyOf(server, tenantId));
  return {
    challengeId: data.challenge_id,
    registrationRecord,
    registrationRequest,
    commitment: await encryptCommitment(key, payload),
    payload,
  };
}

/** Register's body for a prepared registration. */
export function registrationBody(username: string, commitment: string, extra: Json = {}): Json {
  return { username, encrypted_commitment: commitment, proto_version: PROTO_VERSION_LIGHT, ...extra };
}

/** Creates a client of `tenantId` through the admin API. */
export async function createClient(server: TestServer, tenantId: string, clientId: string, settings: Json = {}): Promise<void> {
  const res = await call(server, "POST", "/api/v1/clients", {
    headers: { "x-api-key": server.adminKey },
    body: { tenant_id: tenantId, client_id: clientId, name: clientId, redirect_uris: ["https://app.example.com/cb"], ...settings },
  });
  if (res.status !== 201) throw new Error(`creating client ${clientId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A pending authorization request of `clientId` (written straight to the database); returns its id. */
export async function insertAuthRequest(server: TestServer, tenantId: string, clientId: string): Promise<string> {
  const id = randomBytes(24).toString("base64url");
  await sql(
    server,
    `insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at)
     values (?, ?, ?, ?, now() + interval '10 minutes', now())`,
    [id, tenantId, clientId, JSON.stringify({ client_id: clientId, redirect_uri: "https://app.example.com/cb", scope: "openid" })],
  );
  return id;
}

/** A new API key of an existing user (written straight to the database); returns the key. */
export async function seedApiKey(server: TestServer, tenantId: string, userId: string, scopes: string[]): Promise<string> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), tenantId);
  const issued = issueApiKey();
  em.create(ApiKeyEntity, { id: issued.id, tenant: tenantId, user: userId, name: "login-test", scopes, secretHash: issued.secretHash });
  await em.flush();
  return issued.key;
}
