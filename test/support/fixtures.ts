// Test data the public API cannot create yet (users of a tenant with a given role, and their
// API keys) written straight to the test database, plus helpers over the admin REST API.
import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { normalizeUsername } from "../../src/sdk/identity-normalization.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { UserEntity } from "../../src/persistence/entities/user.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import type { TestServer } from "./test-server.js";

export interface SeededUser {
  readonly userId: string;
  readonly key: string;
  readonly keyId: string;
}

/** A user of `tenantId` with `roles`, and an API key of theirs with `scopes`. */
export async function seedUserWithKey(server: TestServer, tenantId: string, roles: string[], scopes: string[]): Promise<SeededUser> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), tenantId);
  const userId = randomUUID();
  const username = `user-${userId.slice(0, 8)}`;
  em.create(UserEntity, {
    id: userId,
    tenant: tenantId,
    username,
    usernameNormalized: normalizeUsername(username),
    email: null,
    emailNormalized: null,
    roles,
    externalId: null,
  });
  const issued = issueApiKey();
  em.create(ApiKeyEntity, { id: issued.id, tenant: tenantId, user: userId, name: "test", scopes, secretHash: issued.secretHash });
  await em.flush();
  return { userId, key: issued.key, keyId: issued.id };
}

/** Calls the REST API with an API key; returns status and parsed JSON (or text). */
export async function rest(
  server: TestServer,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (key) headers["x-api-key"] = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    redirect: "manual",
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Creates a tenant through the API with the super-admin key; fails the test on error. */
export async function createTenant(server: TestServer, tenantId: string, settings: Record<string, unknown> = {}): Promise<void> {
  const res = await rest(server, server.adminKey, "POST", "/api/v1/tenants", { tenant_id: tenantId, ...settings });
  if (res.status !== 201) throw new Error(`creating tenant ${tenantId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Calls the REST API with the given request headers (e.g. `authorization`); same answer shape as `rest`. */
export async function restWithHeaders(
  server: TestServer,
  headers: Record<string, string>,
  method: string,
  path: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.baseUrl}${path}`, { method, headers, redirect: "manual" });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** The `loc` of every violation of a 422 answer in the reference's shape; fails on any other answer. */
export function violationLocs(res: { status: number; body: unknown }): (string | number)[][] {
  if (res.status !== 422) throw new Error(`expected 422, got ${res.status} ${JSON.stringify(res.body)}`);
  const detail = (res.body as { detail?: unknown }).detail;
  if (!Array.isArray(detail)) throw new Error(`422 without a detail list: ${JSON.stringify(res.body)}`);
  for (const item of detail as Record<string, unknown>[]) {
    if (!Array.isArray(item.loc) || typeof item.msg !== "string" || typeof item.type !== "string") {
      throw new Error(`malformed violation: ${JSON.stringify(item)}`);
    }
  }
  return (detail as { loc: (string | number)[] }[]).map((item) => item.loc);
}

/** A Connect client of `service` speaking gRPC over HTTP/2 to the test server. */
export function grpcClient<S extends DescService>(server: TestServer, service: S): Client<S> {
  return createClient(service, createGrpcTransport({ baseUrl: server.grpcUrl }));
}

/** gRPC call options sending `key` as `x-api-key` metadata. */
export function withKey(key: string): { headers: Record<string, string> } {
  return { headers: { "x-api-key": key } };
}
