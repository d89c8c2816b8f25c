// Every RPC of the tenant, blocker, client, API-key and user services, over REST and gRPC,
// with (a) no credentials, (b) a key of another tenant, (c) a key lacking the scope, (d) a
// sufficient key: 401 / 404 (or 403 where the scope is missing first, or a result that does not
// reveal the other tenant) / 403 / success.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ApiKeyService } from "../../gen/svault/apikey/v1/api_key_service_pb.js";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { BlockerService } from "../../gen/svault/tenant/v1/blocker_service_pb.js";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { BlockedIpEntity, BlockedUserEntity } from "../../src/persistence/entities/blocked.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { createTenant, rest, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let acmeAdmin: SeededUser;
let otherAdmin: SeededUser;
let profileOnly: SeededUser;
let clientsReadOnly: SeededUser;
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

const ADMIN_SCOPES = SCOPES.filter((s) => s !== "tenants:admin");

before(async () => {
  server = await startTestServer();
  await createTenant(server, "acme");
  await createTenant(server, "other");
  acmeAdmin = await seedUserWithKey(server, "acme", ["tenant_admin"], [...ADMIN_SCOPES]);
  otherAdmin = await seedUserWithKey(server, "other", ["tenant_admin"], [...ADMIN_SCOPES]);
  profileOnly = await seedUserWithKey(server, "acme", ["tenant_admin"], ["profile"]);
  clientsReadOnly = await seedUserWithKey(server, "acme", ["tenant_admin"], ["clients:read"]);
  const created = await rest(server, acmeAdmin.key, "POST", "/api/v1/clients", { client_id: "app", tenant_id: "acme", name: "App" });
  assert.equal(created.status, 201);
});
after(() => server.close());

/** What a call needs: its REST form and its gRPC form, made fresh for each attempt. */
interface Call {
  readonly rest: { method: string; path: string; body?: unknown };
  readonly grpc: Record<string, unknown>;
}

type Outcome = "unauthenticated" | "not_found" | "denied" | "ok" | "ok_scoped";

interface Row {
  readonly service: DescService;
  readonly method: string;
  readonly permission: string;
  /** Expected for a key of another tenant. */
  readonly otherTenant: Outcome;
  /** The caller that succeeds (default: the acme tenant admin). */
  readonly sufficient?: () => string;
  /** Builds the call; may create what it acts on. */
  readonly call: () => Promise<Call> | Call;
  /** For "ok_scoped": asserts the answer does not reveal acme. */
  readonly scopedCheck?: (body: unknown) => void;
}

async function acmeKeyId(): Promise<string> {
  const res = await rest(server, acmeAdmin.key, "POST", "/api/v1/users/me/api-keys", { name: "k", scopes: ["profile"], tenant_id: "acme" });
  return (res.body as { key_id: string }).key_id;
}

async function acmeClient(): Promise<string> {
  const clientId = fresh("c");
  await rest(server, acmeAdmin.key, "POST", "/api/v1/clients", { client_id: clientId, tenant_id: "acme", name: clientId });
  return clientId;
}

async function blocked(kind: "ip" | "user"): Promise<string> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), "acme");
  const value = kind === "ip" ? `10.0.0.${++counter % 250}` : fresh("blocked-user");
  if (kind === "ip") em.create(BlockedIpEntity, { tenant: "acme", ip: value, failures: 50, reason: "test" });
  else em.create(BlockedUserEntity, { tenant: "acme", username: value, failures: 10, reason: "test" });
  await em.flush();
  return value;
}

const superAdmin = () => server.adminKey;

const rows: Row[] = [
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
        rest: { method: "PUT", path: `/api/v1/tenants/acme/users/${userId}/email`, body: { challenge_id: "", challenge_data: "", email } },
        grpc: { tenantId: "acme", userId, email },
      };
    },
  },
];

/** A fresh plain user of acme (seeded, with a key that is not used). */
async function acmeUser(): Promise<{ userId: string; username: string }> {
  const { userId } = await seedUserWithKey(server, "acme", [], ["profile"]);
  return { userId, username: `user-${userId.slice(0, 8)}` };
}

async function createTenantQuietly(id: string): Promise<void> {
  await createTenant(server, id);
}

const STATUS: Record<Exclude<Outcome, "ok" | "ok_scoped">, { http: number; code: Code }> = {
  unauthenticated: { http: 401, code: Code.Unauthenticated },
  not_found: { http: 404, code: Code.NotFound },
  denied: { http: 403, code: Code.PermissionDenied },
};

async function viaRest(call: Call, key: string | undefined) {
  return rest(server, key, call.rest.method, call.rest.path, call.rest.body);
}

async function viaGrpc(row: Row, call: Call, key: string | undefined): Promise<{ code: Code | "ok"; body: unknown }> {
  // A generic client: the row names the method, so it is looked up by name.
  const client = createClient(row.service, createGrpcTransport({ baseUrl: server.grpcUrl })) as unknown as Record<
    string,
    (req: unknown, options: unknown) => Promise<unknown>
  >;
  const method = client[row.method];
  assert.ok(method, `no method ${row.method}`);
  try {
    const body = await method(call.grpc, { headers: key ? { "x-api-key": key } : {} });
    return { code: "ok", body };
  } catch (error) {
    return { code: ConnectError.from(error).code, body: undefined };
  }
}

const lackingKeyFor = (row: Row) => (row.permission === "profile" ? clientsReadOnly.key : profileOnly.key);

describe("permission matrix", () => {
  for (const row of rows) {
    const name = `${row.service.name}.${row.method} (${row.permission})`;
    it(`${name} over REST`, async () => {
      const cases: [string, string | undefined, Outcome][] = [
        ["no credentials", undefined, "unauthenticated"],
        ["another tenant's key", otherAdmin.key, row.otherTenant],
        ["a key lacking the scope", lackingKeyFor(row), "denied"],
        ["a sufficient key", (row.sufficient ?? (() => acmeAdmin.key))(), "ok"],
      ];
      for (const [label, key, outcome] of cases) {
        const res = await viaRest(await row.call(), key);
        if (outcome === "ok" || outcome === "ok_scoped") {
          assert.ok(res.status >= 200 && res.status < 300, `${label}: expected success, got ${res.status} ${JSON.stringify(res.body)}`);
          if (outcome === "ok_scoped") row.scopedCheck?.(res.body);
        } else {
          assert.equal(res.status, STATUS[outcome].http, `${label}: ${JSON.stringify(res.body)}`);
          assert.equal(typeof (res.body as { detail: unknown }).detail, "string", `${label}: detail shape`);
        }
      }
    });
    it(`${name} over gRPC`, async () => {
      const cases: [string, string | undefined, Outcome][] = [
        ["no credentials", undefined, "unauthenticated"],
        ["another tenant's key", otherAdmin.key, row.otherTenant],
        ["a key lacking the scope", lackingKeyFor(row), "denied"],
        ["a sufficient key", (row.sufficient ?? (() => acmeAdmin.key))(), "ok"],
      ];
      for (const [label, key, outcome] of cases) {
        const res = await viaGrpc(row, await row.call(), key);
        if (outcome === "ok" || outcome === "ok_scoped") assert.equal(res.code, "ok", `${label}: expected success, got code ${res.code}`);
        else assert.equal(res.code, STATUS[outcome].code, label);
      }
    });
  }
});
