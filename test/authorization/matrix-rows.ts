// The rows of the permission matrix (permission-matrix.test.ts): every RPC that takes
// credentials, how to call it over REST and over gRPC, and what a key of another tenant gets. The
// contract test (test/contract) checks that every such RPC of the served protos has a row here.
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { ApiKeyService } from "../../gen/svault/apikey/v1/api_key_service_pb.js";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { PasskeyService } from "../../gen/svault/passkey/v1/passkey_service_pb.js";
import { AnalyticsService } from "../../gen/svault/analytics/v1/analytics_service_pb.js";
import { FaceService } from "../../gen/svault/face/v1/face_service_pb.js";
import { MfaAdminService } from "../../gen/svault/oidc/v1/mfa_admin_service_pb.js";
import { BlockerService } from "../../gen/svault/tenant/v1/blocker_service_pb.js";
import { TenantKeyService } from "../../gen/svault/tenant/v1/tenant_key_service_pb.js";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { GroupService } from "../../gen/svault/user/v1/group_service_pb.js";
import { ScimService } from "../../gen/svault/scim/v1/scim_service_pb.js";
import { createSession } from "../../src/domain/oidc/sessions.js";
import { BlockedIpEntity, BlockedUserEntity } from "../../src/persistence/entities/blocked.js";
import { PasskeyCredentialEntity } from "../../src/persistence/entities/passkey.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { startRegistration } from "../../src/sdk/opaque-flow.js";
import { createTenant, rest, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import type { TestServer } from "../support/test-server.js";

/** What a call needs: its REST form and its gRPC form, made fresh for each attempt. */
export interface Call {
  readonly rest: { method: string; path: string; body?: unknown };
  readonly grpc: Record<string, unknown>;
}

/**
 * `ok_scoped`: success that does not reveal the other tenant; `admitted`: past authorization, and
 * refused by the handler for the request itself (a bad credential proof), not for the caller.
 */
export type Outcome = "unauthenticated" | "not_found" | "denied" | "ok" | "ok_scoped" | "admitted";

export interface Row {
  readonly service: DescService;
  readonly method: string;
  readonly permission: string;
  /** Expected for a key of another tenant. */
  readonly otherTenant: Outcome;
  /** The caller that succeeds (default: the acme tenant admin). */
  readonly sufficient?: () => string;
  /** Expected for a sufficient key (default `ok`). */
  readonly sufficientOutcome?: Outcome;
  /** Builds the call; may create what it acts on. */
  readonly call: () => Promise<Call> | Call;
  /** For "ok_scoped": asserts the answer does not reveal acme. */
  readonly scopedCheck?: (body: unknown) => void;
}

/** What the rows act on, set up by the matrix test's `before`. */
export interface MatrixFixture {
  readonly server: TestServer;
  /** A tenant admin of acme, with every scope a tenant admin may hold. */
  readonly acmeAdmin: SeededUser;
}

/** The rows; `fx` is read only when a row is called (listing the rows needs no server). */
export function matrixRows(fx: () => MatrixFixture): Row[] {
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}-${++counter}`;

  async function acmeKeyId(): Promise<string> {
    const res = await rest(fx().server, fx().acmeAdmin.key, "POST", "/api/v1/users/me/api-keys", {
      name: "k",
      scopes: ["profile"],
      tenant_id: "acme",
    });
    return (res.body as { key_id: string }).key_id;
  }

  async function acmeClient(): Promise<string> {
    const clientId = fresh("c");
    await rest(fx().server, fx().acmeAdmin.key, "POST", "/api/v1/clients", { client_id: clientId, tenant_id: "acme", name: clientId });
    return clientId;
  }

  async function blocked(kind: "ip" | "user"): Promise<string> {
    const em = scopeToTenant(fx().server.running.database.orm.em.fork(), "acme");
    const value = kind === "ip" ? `10.0.0.${++counter % 250}` : fresh("blocked-user");
    if (kind === "ip") em.create(BlockedIpEntity, { tenant: "acme", ip: value, failures: 50, reason: "test" });
    else em.create(BlockedUserEntity, { tenant: "acme", username: value, failures: 10, reason: "test" });
    await em.flush();
    return value;
  }

  const superAdmin = () => fx().server.adminKey;

  /** A session of the acme admin (as Sign In makes one), for Revoke Session to end. */
  async function acmeAdminSession(): Promise<string> {
    const em = fx().server.running.database.orm.em.fork();
    const { session } = await createSession(new TenantRepositories(new UnitOfWork(em), "acme").sessions, {
      userId: fx().acmeAdmin.userId,
      amr: ["pin"],
      clientId: "app",
      issuer: `${fx().server.config.publicUrl}/acme`,
      ip: "127.0.0.1",
      userAgent: "matrix",
    });
    return session.id;
  }

  /** A session of a user of acme, as Sign In makes one, for Revoke User Sessions to end. */
  async function acmeSessionOf(userId: string): Promise<string> {
    const em = fx().server.running.database.orm.em.fork();
    const { session } = await createSession(new TenantRepositories(new UnitOfWork(em), "acme").sessions, {
      userId,
      amr: ["pin"],
      clientId: "app",
      issuer: `${fx().server.config.publicUrl}/acme`,
      ip: "127.0.0.1",
      userAgent: "matrix",
    });
    return session.id;
  }

  /** A fresh plain user of acme (seeded, with a key that is not used). */
  async function acmeUser(): Promise<{ userId: string; username: string }> {
    const { userId } = await seedUserWithKey(fx().server, "acme", [], ["profile"]);
    return { userId, username: `user-${userId.slice(0, 8)}` };
  }

  /** A user of acme made over SCIM; its id. */
  async function scimUser(): Promise<string> {
    const userName = fresh("scim-user");
    const body = { userName, emails: [{ value: `${userName}@example.com`, primary: true }] };
    const res = await rest(fx().server, fx().acmeAdmin.key, "POST", "/scim/v2/acme/Users", body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return (res.body as { id: string }).id;
  }

  /** A group of acme made over SCIM; its id. */
  async function scimGroup(): Promise<string> {
    const res = await rest(fx().server, fx().acmeAdmin.key, "POST", "/scim/v2/acme/Groups", { displayName: fresh("group") });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return (res.body as { id: string }).id;
  }

  /** SCIM's rows: every resource operation needs the `scim` scope of the tenant. */
  const scimRows = (kind: "Users" | "Groups", create: () => Promise<string>, resource: () => Record<string, unknown>): Row[] => {
    const singular = kind === "Users" ? "User" : "Group";
    const idField = kind === "Users" ? "userId" : "groupId";
    const base = `/scim/v2/acme/${kind}`;
    const row = (method: string, call: () => Promise<Call> | Call): Row => ({
      service: ScimService,
      method,
      permission: "scim",
      otherTenant: "not_found",
      call,
    });
    const patch = {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "externalId", value: "x" }],
    };
    return [
      row(`create${singular}`, () => {
        const body = resource();
        return { rest: { method: "POST", path: base, body }, grpc: { tenantId: "acme", resource: body } };
      }),
      row(`list${kind}`, () => ({ rest: { method: "GET", path: base }, grpc: { tenantId: "acme" } })),
      row(`get${singular}`, async () => {
        const id = await create();
        return { rest: { method: "GET", path: `${base}/${id}` }, grpc: { tenantId: "acme", [idField]: id } };
      }),
      row(`replace${singular}`, async () => {
        const id = await create();
        const body = resource();
        return { rest: { method: "PUT", path: `${base}/${id}`, body }, grpc: { tenantId: "acme", [idField]: id, resource: body } };
      }),
      row(`patch${singular}`, async () => {
        const id = await create();
        return { rest: { method: "PATCH", path: `${base}/${id}`, body: patch }, grpc: { tenantId: "acme", [idField]: id, patchOp: patch } };
      }),
      row(`delete${singular}`, async () => {
        const id = await create();
        return { rest: { method: "DELETE", path: `${base}/${id}` }, grpc: { tenantId: "acme", [idField]: id } };
      }),
    ];
  };

  const scimUserBody = () => {
    const userName = fresh("scim-body");
    return { userName, emails: [{ value: `${userName}@example.com`, primary: true }] };
  };

  /** /Me: the caller's own user (GET); the other verbs answer 501 past authorization. */
  const meRow = (method: string, verb: string): Row => ({
    service: ScimService,
    method,
    permission: "profile",
    otherTenant: "not_found",
    ...(verb === "GET" ? {} : { sufficientOutcome: "admitted" as const }),
    call: () => ({
      rest: { method: verb, path: "/scim/v2/acme/Me", ...(verb === "GET" || verb === "DELETE" ? {} : { body: { userName: "me" } }) },
      grpc: { tenantId: "acme" },
    }),
  });
  /** A passkey of a user of acme, stored as Verify Registration stores one; its id. */
  async function acmePasskeyOf(userId: string): Promise<string> {
    const em = scopeToTenant(fx().server.running.database.orm.em.fork(), "acme");
    const id = randomUUID();
    em.create(PasskeyCredentialEntity, {
      id,
      tenant: "acme",
      user: userId,
      credentialId: fresh("credential"),
      publicKey: Buffer.alloc(77),
      counter: 0,
      transports: ["internal"],
      backupEligible: false,
      backedUp: false,
      aaguid: "00000000-0000-0000-0000-000000000000",
      name: "Passkey",
    });
    await em.flush();
    return id;
  }

  async function createTenantQuietly(id: string): Promise<void> {
    await createTenant(fx().server, id);
  }

  return [
    {
      service: TenantService,
      method: "listTenants",
      permission: "tenants:read",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants" }, grpc: {} }),
      scopedCheck: (body) =>
        assert.deepEqual(
          (body as { tenants: { tenant_id: string }[] }).tenants.map((t) => t.tenant_id),
          ["other"],
        ),
    },
    {
      service: TenantService,
      method: "createTenant",
      permission: "tenants:admin",
      otherTenant: "denied",
      sufficient: superAdmin,
      call: () => {
        const id = fresh("t");
        return { rest: { method: "POST", path: "/api/v1/tenants", body: { tenant_id: id } }, grpc: { tenantId: id } };
      },
    },
    {
      service: TenantService,
      method: "getTenant",
      permission: "tenants:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: AnalyticsService,
      method: "livenessReport",
      permission: "tenants:read",
      otherTenant: "not_found",
      call: () => {
        const range = { tenant_id: "acme", start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z", resolution: "hour" };
        return {
          rest: { method: "GET", path: `/api/v1/analytics/liveness?${new URLSearchParams(range)}` },
          grpc: { tenantId: "acme", start: range.start, end: range.end, resolution: "hour" },
        };
      },
    },
    {
      service: TenantService,
      method: "updateTenant",
      permission: "tenants:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "PUT", path: "/api/v1/tenants/acme", body: { display_name: "Acme" } },
        grpc: { tenantId: "acme", settings: { displayName: "Acme" } },
      }),
    },
    {
      service: TenantService,
      method: "deleteTenant",
      permission: "tenants:admin",
      otherTenant: "denied",
      sufficient: superAdmin,
      call: async () => {
        const id = fresh("doomed");
        await createTenantQuietly(id);
        return { rest: { method: "DELETE", path: `/api/v1/tenants/${id}` }, grpc: { tenantId: id } };
      },
    },
    {
      service: TenantKeyService,
      method: "listTenantKeys",
      permission: "tenants:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme/keys" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: TenantKeyService,
      method: "rotateTenantKey",
      permission: "tenants:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "POST", path: "/api/v1/tenants/acme/keys/rotate", body: { alg: "EdDSA" } },
        grpc: { tenantId: "acme", alg: "EdDSA" },
      }),
    },
    ...(["Ips", "Users"] as const).flatMap((kind): Row[] => {
      const segment = kind === "Ips" ? "blocked-ips" : "blocked-users";
      const key = kind === "Ips" ? "ip" : "username";
      return [
        {
          service: BlockerService,
          method: `listBlocked${kind}`,
          permission: "blocker:read",
          otherTenant: "not_found",
          call: () => ({ rest: { method: "GET", path: `/api/v1/tenants/acme/${segment}` }, grpc: { tenantId: "acme" } }),
        },
        {
          service: BlockerService,
          method: `deleteBlocked${kind.slice(0, -1)}`,
          permission: "blocker:write",
          otherTenant: "not_found",
          call: async () => {
            const value = await blocked(kind === "Ips" ? "ip" : "user");
            return {
              rest: { method: "DELETE", path: `/api/v1/tenants/acme/${segment}?${key}=${encodeURIComponent(value)}` },
              grpc: { tenantId: "acme", [key]: value },
            };
          },
        },
      ];
    }),
    {
      service: ClientService,
      method: "listClients",
      permission: "clients:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/clients?tenant_id=acme" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: ClientService,
      method: "createClient",
      permission: "clients:write",
      otherTenant: "not_found",
      call: () => {
        const clientId = fresh("new");
        return {
          rest: { method: "POST", path: "/api/v1/clients", body: { client_id: clientId, tenant_id: "acme", name: "N" } },
          grpc: { clientId, tenantId: "acme", name: "N" },
        };
      },
    },
    {
      service: ClientService,
      method: "getClient",
      permission: "clients:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/clients/app?tenant_id=acme" }, grpc: { clientId: "app", tenantId: "acme" } }),
    },
    {
      service: ClientService,
      method: "updateClient",
      permission: "clients:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "PUT", path: "/api/v1/clients/app", body: { client_id: "app", tenant_id: "acme", name: "App 2" } },
        grpc: { clientId: "app", tenantId: "acme", name: "App 2" },
      }),
    },
    {
      service: ClientService,
      method: "deleteClient",
      permission: "clients:write",
      otherTenant: "not_found",
      call: async () => {
        const clientId = await acmeClient();
        return { rest: { method: "DELETE", path: `/api/v1/clients/${clientId}?tenant_id=acme` }, grpc: { clientId, tenantId: "acme" } };
      },
    },
    {
      service: ClientService,
      method: "regenerateClientSecret",
      permission: "clients:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "POST", path: "/api/v1/tenants/acme/clients/app/secret" },
        grpc: { tenantId: "acme", clientId: "app" },
      }),
    },
    {
      service: ApiKeyService,
      method: "createApiKey",
      permission: "api_keys:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "POST", path: "/api/v1/api-keys", body: { name: "n", scopes: ["profile"], tenant_id: "acme" } },
        grpc: { name: "n", scopes: ["profile"], tenantId: "acme" },
      }),
    },
    {
      service: ApiKeyService,
      method: "listApiKeys",
      permission: "api_keys:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/api-keys?tenant_id=acme" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: ApiKeyService,
      method: "deleteApiKey",
      permission: "api_keys:write",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmeKeyId();
        return { rest: { method: "DELETE", path: `/api/v1/api-keys/${keyId}` }, grpc: { keyId } };
      },
    },
    {
      service: ApiKeyService,
      method: "regenerateApiKey",
      permission: "api_keys:write",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmeKeyId();
        return { rest: { method: "POST", path: `/api/v1/api-keys/${keyId}/regenerate` }, grpc: { keyId } };
      },
    },
    {
      service: ApiKeyService,
      method: "getApiKeyScopes",
      permission: "api_keys:read",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/api-keys/scopes" }, grpc: {} }),
      scopedCheck: (body) => assert.deepEqual((body as { tenants: string[] }).tenants, ["other"]),
    },
    {
      service: UserService,
      method: "createUserKey",
      permission: "profile",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "POST", path: "/api/v1/users/me/api-keys", body: { name: "n", scopes: ["profile"], tenant_id: "acme" } },
        grpc: { name: "n", scopes: ["profile"], tenantId: "acme" },
      }),
    },
    {
      service: UserService,
      method: "listUserKeys",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/users/me/api-keys" }, grpc: {} }),
      scopedCheck: (body) =>
        assert.ok(
          (body as { api_keys: { tenant_id: string }[] }).api_keys.every((k) => k.tenant_id === "other"),
          "only the caller's own keys",
        ),
    },
    {
      service: UserService,
      method: "deleteUserKey",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmeKeyId();
        return { rest: { method: "DELETE", path: `/api/v1/users/me/api-keys/${keyId}` }, grpc: { keyId } };
      },
    },
    {
      service: UserService,
      method: "regenerateUserKey",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmeKeyId();
        return { rest: { method: "POST", path: `/api/v1/users/me/api-keys/${keyId}/regenerate` }, grpc: { keyId } };
      },
    },
    {
      service: UserService,
      method: "getCurrentUser",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/users/me" }, grpc: {} }),
      scopedCheck: (body) => assert.equal((body as { tenant_id: string }).tenant_id, "other"),
    },
    {
      service: UserService,
      method: "listUsers",
      permission: "users:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme/users" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: UserService,
      method: "getUserByName",
      permission: "users:read",
      otherTenant: "not_found",
      call: async () => {
        const { username } = await acmeUser();
        return { rest: { method: "GET", path: `/api/v1/tenants/acme/users/by-name/${username}` }, grpc: { tenantId: "acme", username } };
      },
    },
    {
      service: UserService,
      method: "getUser",
      permission: "users:read",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        return { rest: { method: "GET", path: `/api/v1/tenants/acme/users/${userId}` }, grpc: { tenantId: "acme", userId } };
      },
    },
    {
      service: UserService,
      method: "updateUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId, username } = await acmeUser();
        const email = `${username}@example.com`;
        return {
          rest: { method: "PUT", path: `/api/v1/tenants/acme/users/${userId}`, body: { username, email, locale: "de" } },
          grpc: { tenantId: "acme", userId, username, email, locale: "de" },
        };
      },
    },
    {
      service: FaceService,
      method: "deleteFaceOfUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        return { rest: { method: "DELETE", path: `/api/v1/tenants/acme/users/${userId}/face` }, grpc: { tenantId: "acme", userId } };
      },
    },
    {
      service: UserService,
      method: "deleteUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        return { rest: { method: "DELETE", path: `/api/v1/tenants/acme/users/${userId}` }, grpc: { tenantId: "acme", userId } };
      },
    },
    {
      service: UserService,
      method: "createUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: () => {
        const username = fresh("new-user");
        const email = `${username}@example.com`;
        return {
          rest: { method: "POST", path: "/api/v1/tenants/acme/users", body: { username, email } },
          grpc: { tenantId: "acme", username, email },
        };
      },
    },
    {
      service: UserService,
      method: "batchCreateUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: () => {
        const username = fresh("batch-user");
        const email = `${username}@example.com`;
        return {
          rest: { method: "POST", path: "/api/v1/tenants/acme/users/batch", body: { users: [{ username, email }] } },
          grpc: { tenantId: "acme", users: [{ username, email }] },
        };
      },
    },
    {
      service: UserService,
      method: "batchDeleteUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        return {
          rest: { method: "POST", path: "/api/v1/tenants/acme/users/batch-delete", body: { users_ids: [userId] } },
          grpc: { tenantId: "acme", usersIds: [userId] },
        };
      },
    },
    {
      service: UserService,
      method: "updateEmail",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const { userId, username } = await acmeUser();
        const email = `${username}-new@example.com`;
        return {
          rest: {
            method: "PUT",
            path: `/api/v1/tenants/acme/users/${userId}/email`,
            body: { challenge_id: "", challenge_data: "", email },
          },
          grpc: { tenantId: "acme", userId, email },
        };
      },
    },
    {
      service: UserService,
      method: "listUserPasskeys",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/users/me/passkeys" }, grpc: {} }),
      scopedCheck: (body) => assert.deepEqual((body as { passkeys: unknown[] }).passkeys, [], "only the caller's own passkeys"),
    },
    {
      service: UserService,
      method: "deleteUserPasskey",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmePasskeyOf(fx().acmeAdmin.userId);
        return { rest: { method: "DELETE", path: `/api/v1/users/me/passkeys/${keyId}` }, grpc: { keyId } };
      },
    },
    {
      service: UserService,
      method: "updateUserPasskey",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const keyId = await acmePasskeyOf(fx().acmeAdmin.userId);
        return {
          rest: { method: "PATCH", path: `/api/v1/users/me/passkeys/${keyId}`, body: { name: "renamed" } },
          grpc: { keyId, name: "renamed" },
        };
      },
    },
    {
      service: PasskeyService,
      method: "registerOptions",
      permission: "profile",
      // For the caller's own tenant, whichever it is; neither tenant here enables passkeys.
      otherTenant: "admitted",
      sufficientOutcome: "admitted",
      call: () => ({ rest: { method: "POST", path: "/api/v1/passkeys/register/options" }, grpc: {} }),
    },
    {
      service: PasskeyService,
      method: "verifyRegistration",
      permission: "profile",
      otherTenant: "admitted",
      sufficientOutcome: "admitted",
      call: () => {
        const response = { id: "x", raw_id: "x", client_data_json: "e30", attestation_object: "x" };
        return {
          rest: { method: "POST", path: "/api/v1/passkeys/register/verify", body: response },
          grpc: { id: "x", rawId: "x", clientDataJson: "e30", attestationObject: "x" },
        };
      },
    },
    {
      service: PasskeyService,
      method: "listPasskeysOfUser",
      permission: "users:read",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        await acmePasskeyOf(userId);
        return { rest: { method: "GET", path: `/api/v1/tenants/acme/users/${userId}/passkeys` }, grpc: { tenantId: "acme", userId } };
      },
    },
    {
      service: PasskeyService,
      method: "deletePasskeyOfUser",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        const keyId = await acmePasskeyOf(userId);
        return {
          rest: { method: "DELETE", path: `/api/v1/tenants/acme/users/${userId}/passkeys/${keyId}` },
          grpc: { tenantId: "acme", userId, keyId },
        };
      },
    },
    {
      service: UserService,
      method: "listUserSessions",
      permission: "users:read",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        return { rest: { method: "GET", path: `/api/v1/tenants/acme/users/${userId}/sessions` }, grpc: { tenantId: "acme", userId } };
      },
    },
    {
      service: UserService,
      method: "revokeUserSessions",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const { userId } = await acmeUser();
        const sessionId = await acmeSessionOf(userId);
        return {
          rest: { method: "POST", path: `/api/v1/tenants/acme/users/${userId}/sessions/revoke`, body: { session_id: sessionId } },
          grpc: { tenantId: "acme", userId, sessionId },
        };
      },
    },
    {
      service: AuthService,
      method: "listSessions",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "GET", path: "/api/v1/auth/sessions" }, grpc: {} }),
      scopedCheck: (body) => assert.deepEqual((body as { sessions: unknown[] }).sessions, [], "only the caller's own sessions"),
    },
    {
      service: AuthService,
      method: "logout",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "POST", path: "/api/v1/auth/logout" }, grpc: {} }),
    },
    {
      service: AuthService,
      method: "revokeSession",
      permission: "profile",
      otherTenant: "not_found",
      call: async () => {
        const sessionId = await acmeAdminSession();
        return { rest: { method: "POST", path: "/api/v1/auth/sessions/revoke", body: { session_id: sessionId } }, grpc: { sessionId } };
      },
    },
    {
      service: AuthService,
      method: "revokeAllSession",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: () => ({ rest: { method: "POST", path: "/api/v1/auth/sessions/revoke-all" }, grpc: {} }),
    },
    {
      service: AuthService,
      method: "auxChallenge",
      permission: "profile",
      otherTenant: "ok_scoped",
      call: async () => {
        const { cipherKey } = await startRegistration("246810");
        return { rest: { method: "POST", path: "/api/v1/auth/aux-challenge", body: { cipherKey } }, grpc: { cipherKey } };
      },
    },
    {
      service: AuthService,
      method: "changePassword",
      permission: "profile",
      // The commitment is no real one: what counts is that the caller got past authorization.
      otherTenant: "admitted",
      sufficientOutcome: "admitted",
      call: () => ({
        rest: { method: "POST", path: "/api/v1/auth/change-password", body: { encrypted_commitment: "x.y.z", proto_version: "v1" } },
        grpc: { encryptedCommitment: "x.y.z", protoVersion: "v1" },
      }),
    },
    {
      service: OidcService,
      method: "revoke",
      permission: "profile",
      // Without an API key or bearer token it is an OAuth client's call: 401 invalid_client.
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "POST", path: "/oidc/revoke", body: { tenant_id: "acme", token: "not-a-token" } },
        grpc: { tenantId: "acme", token: "not-a-token" },
      }),
    },
    // Entra MFA settings and account links (issue 18).
    {
      service: MfaAdminService,
      method: "getEntraSettings",
      permission: "tenants:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme/mfa/entra" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: MfaAdminService,
      method: "updateEntraSettings",
      permission: "tenants:write",
      otherTenant: "not_found",
      call: () => ({
        rest: { method: "PUT", path: "/api/v1/tenants/acme/mfa/entra", body: { enabled: false } },
        grpc: { tenantId: "acme", enabled: false },
      }),
    },
    {
      service: MfaAdminService,
      method: "listEntraUserLinks",
      permission: "users:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme/mfa/entra/links" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: MfaAdminService,
      method: "createEntraUserLink",
      permission: "users:write",
      otherTenant: "not_found",
      call: () => {
        const link = { entra_tenant_id: randomUUID(), object_id: randomUUID(), user_id: fx().acmeAdmin.userId };
        return {
          rest: { method: "POST", path: "/api/v1/tenants/acme/mfa/entra/links", body: link },
          grpc: { tenantId: "acme", entraTenantId: link.entra_tenant_id, objectId: link.object_id, userId: link.user_id },
        };
      },
    },
    {
      service: MfaAdminService,
      method: "deleteEntraUserLink",
      permission: "users:write",
      otherTenant: "not_found",
      call: async () => {
        const link = { entra_tenant_id: randomUUID(), object_id: randomUUID(), user_id: fx().acmeAdmin.userId };
        await rest(fx().server, fx().acmeAdmin.key, "POST", "/api/v1/tenants/acme/mfa/entra/links", link);
        return {
          rest: { method: "DELETE", path: `/api/v1/tenants/acme/mfa/entra/links/${link.entra_tenant_id}/${link.object_id}` },
          grpc: { tenantId: "acme", entraTenantId: link.entra_tenant_id, objectId: link.object_id },
        };
      },
    },
    ...scimRows("Users", scimUser, scimUserBody),
    ...scimRows("Groups", scimGroup, () => ({ displayName: fresh("group") })),
    meRow("getMe", "GET"),
    meRow("createMe", "POST"),
    meRow("replaceMe", "PUT"),
    meRow("patchMe", "PATCH"),
    meRow("deleteMe", "DELETE"),
    {
      service: GroupService,
      method: "listGroups",
      permission: "users:read",
      otherTenant: "not_found",
      call: () => ({ rest: { method: "GET", path: "/api/v1/tenants/acme/groups" }, grpc: { tenantId: "acme" } }),
    },
    {
      service: GroupService,
      method: "getGroup",
      permission: "users:read",
      otherTenant: "not_found",
      call: async () => {
        const groupId = await scimGroup();
        return { rest: { method: "GET", path: `/api/v1/tenants/acme/groups/${groupId}` }, grpc: { tenantId: "acme", groupId } };
      },
    },
  ];
}
