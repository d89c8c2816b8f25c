// A SCIM client as provisioning services are: `Authorization: Bearer <api key>`, bodies in
// `application/scim+json`, answers parsed whatever their status.
import type { JsonObject } from "@bufbuild/protobuf";
import type { TestServer } from "../support/test-server.js";

/** A JSON object (the type gRPC's Struct fields take too). */
export type Json = JsonObject;

export interface ScimReply {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

export type ScimClient = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ScimReply>;

/** A client of `/scim/v2/{tenant}` with `key` (none: anonymous). */
export function scimClient(server: TestServer, tenant: string, key: string | undefined): ScimClient {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${server.baseUrl}/scim/v2/${tenant}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/scim+json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
  };
}

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export function patchOp(...operations: Json[]): Json {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** `GET /Users?filter=…` with the filter URL-encoded, as clients send it. */
export function filtered(path: string, filter: string, extra = ""): string {
  return `${path}?filter=${encodeURIComponent(filter)}${extra}`;
}
