// Contract tests from the protos. They walk the service descriptors of the generated code (not a
// list kept by hand) and hold every RPC to the contract:
//   - it declares its access in its proto: a permission, `public`, or both (the server refuses to
//     start otherwise — authorization fails closed; the test-only services too);
//   - an RPC that takes credentials has its rows in the permission matrix;
//   - its REST bindings are exactly the method and path of its operation(s) in the project's copy
//     of the route table (routes.json), and its declared access is that table's Auth column; an
//     RPC beyond the reference has rows of its own there, and its proto comment says so;
//   - unauthenticated, and with a key of another tenant, it gets the documented answer (401 in its
//     route family's error shape; 404, or 403 where the key lacks the permission first);
// and list the reference operations not served yet, as diagnostics in the test output.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { create, createFileRegistry, type DescFile, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_empty } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { protoComments } from "../../gen/proto-comments.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { accessRules, declaredAccess } from "../../src/rpc/interceptors/authorization.js";
import { registerPublicForeignService, registerService } from "../../src/rpc/registry.js";
import { collectBindings } from "../../src/transcoding/rest-gateway.js";
import { matrixRows } from "../authorization/matrix-rows.js";
import { createTenant, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ROUTES, type Route, type RouteAuth } from "./routes.js";

/** Every service of the generated code under gen/svault, the test-only ones included. */
async function generatedServices(): Promise<DescService[]> {
  const root = new URL("../../gen/svault/", import.meta.url);
  const services = new Map<string, DescService>();
  for (const file of readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("_pb.ts"))
    .sort()) {
    const module = (await import(new URL(file, root).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if ((value as DescFile | undefined)?.kind === "file")
        for (const service of (value as DescFile).services) services.set(service.typeName, service);
    }
  }
  return [...services.values()];
}

const generated = await generatedServices();
/** What production serves: every generated service but the test-only ones. */
const production = generated.filter((service) => !service.typeName.startsWith("svault.testing."));
const rpcName = (method: DescMethod) => `${method.parent.typeName}.${method.name}`;
const rowsOf = (method: DescMethod) => ROUTES.filter((route) => route.rpc === rpcName(method));

let server: TestServer;
let otherTenantAdmin: SeededUser;
const TENANT_ADMIN_SCOPES = SCOPES.filter((scope) => scope !== "tenants:admin");

before(async () => {
  server = await startTestServer();
  await createTenant(server, "acme");
  await createTenant(server, "other");
  otherTenantAdmin = await seedUserWithKey(server, "other", ["tenant_admin"], [...TENANT_ADMIN_SCOPES]);
});
after(() => server.close());

/**
 * What an Auth column of the route table means for the declaration: whether the RPC needs a
 * permission (an API key or bearer token) and whether it admits callers without one (`client` and
 * `bearer` alone: its handler authenticates the OAuth client or the access token itself).
 */
function declarationOf(auth: RouteAuth): { permission: boolean; public: boolean } {
  return { permission: auth === "key|bearer" || auth === "client|bearer", public: auth !== "key|bearer" };
}

/** The OAuth error of a call without credentials; undefined: a `{"detail"}` answer. */
function unauthenticatedError(auth: RouteAuth): string | undefined {
  if (auth === "client" || auth === "client|bearer") return "invalid_client";
  return auth === "bearer" ? "invalid_token" : undefined;
}

/** A REST call at a row's path, naming tenant `acme`: path variables filled, tenant_id in the path, query or body. */
function restCall(method: DescMethod, route: Route): { url: string; init: RequestInit } {
  const hasTenant = method.input.fields.some((field) => field.name === "tenant_id");
  const inPath = route.path.includes("{tenant_id}");
  const path = route.path.replace(/\{([\w.]+)(=[^}]*)?\}/g, (_, name: string) => (name === "tenant_id" ? "acme" : "x"));
  const url = new URL(`${server.baseUrl}${path}`);
  const withBody = route.method !== "GET" && route.method !== "DELETE";
  if (hasTenant && !inPath && !withBody) url.searchParams.set("tenant_id", "acme");
  const body = withBody ? JSON.stringify(hasTenant && !inPath ? { tenant_id: "acme" } : {}) : undefined;
  return {
    url: url.toString(),
    init: { method: route.method, redirect: "manual", ...(body ? { body, headers: { "content-type": "application/json" } } : {}) },
  };
}

async function restAnswer(call: { url: string; init: RequestInit }, headers: Record<string, string> = {}) {
  const res = await fetch(call.url, { ...call.init, headers: { ...(call.init.headers as Record<string, string>), ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function grpcCode(method: DescMethod, message: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Code | "ok"> {
  const client = createClient(method.parent, createGrpcTransport({ baseUrl: server.grpcUrl })) as unknown as Record<
    string,
    (request: unknown, options: unknown) => Promise<unknown>
  >;
  try {
    await client[method.localName]?.(message, { headers });
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("the served services", () => {
  it("are the generated ones (gRPC reflection lists them), and every RPC of them is unary", async () => {
    const reflection = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.grpcUrl }));
    async function* ask() {
      yield { host: "", messageRequest: { case: "listServices" as const, value: "" } };
    }
    let listed: string[] = [];
    for await (const answer of reflection.serverReflectionInfo(ask())) {
      if (answer.messageResponse.case === "listServicesResponse") listed = answer.messageResponse.value.service.map((s) => s.name);
    }
    const ours = listed.filter((name) => name.startsWith("svault."));
    assert.deepEqual(ours.sort(), production.map((service) => service.typeName).sort());
    for (const service of production) for (const method of service.methods) assert.equal(method.methodKind, "unary", rpcName(method));
  });
});

describe("every RPC declares its access (authorization fails closed)", () => {
  it("in every generated service, the test-only ones included", () => {
    for (const service of generated) {
      for (const method of service.methods)
        assert.ok(declaredAccess(method), `${rpcName(method)} declares neither a permission nor public`);
    }
    // The same check the server makes at start-up, over the test-only services too.
    assert.doesNotThrow(() => accessRules(generated.map((service) => registerService(service, {}))));
  });

  // A service built at run time with one RPC that declares nothing.
  const undeclared = createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: "svault/undeclared/v1/undeclared.proto",
      package: "svault.undeclared.v1",
      syntax: "proto3",
      dependency: ["google/protobuf/empty.proto"],
      service: [
        {
          name: "UndeclaredService",
          method: [{ name: "Forgotten", inputType: ".google.protobuf.Empty", outputType: ".google.protobuf.Empty" }],
        },
      ],
    }),
    () => file_google_protobuf_empty,
  ).getService("svault.undeclared.v1.UndeclaredService") as DescService;

  it("the server refuses to start with an RPC that declares none", async () => {
    await assert.rejects(
      startTestServer({ instanceOf: server, registrations: () => [registerService(undeclared, {})] }),
      /svault\.undeclared\.v1\.UndeclaredService\.Forgotten declares no access/,
    );
  });

  it("nor with our service declared public wholesale, as only third-party services may be", () => {
    assert.throws(() => accessRules([registerPublicForeignService(undeclared, {})]), /declare their access per method/);
  });
});

describe("every RPC against the route table", () => {
  const matrix = new Set(
    matrixRows(() => assert.fail("the rows are only listed here")).map((row) => `${row.service.typeName}.${row.method}`),
  );

  for (const service of production) {
    for (const method of service.methods) {
      it(rpcName(method), async () => {
        const access = declaredAccess(method);
        assert.ok(access, "declares its access");
        const routes = rowsOf(method);
        assert.ok(routes.length > 0, "has its operation in the route table");
        const primary = routes.find((route) => !route.alias) as Route;

        // An operation of the reference has its number; an RPC beyond it says so in its proto.
        const beyond = routes.every((route) => route.beyondReference && route.op === undefined);
        assert.ok(beyond || routes.every((route) => !route.beyondReference && route.op !== undefined), "a number, or beyond the reference");
        assert.equal(
          /\bbeyond\s+the\s+reference\b/i.test(protoComments[rpcName(method)]?.description ?? ""),
          beyond,
          "the proto comment says whether it is beyond the reference",
        );

        // Its bindings are its rows, no more and no fewer.
        const bindings = collectBindings([registerService(service, {})]).filter((binding) => binding.method === method);
        assert.deepEqual(
          bindings.map((binding) => `${binding.httpMethod} ${binding.template}`).sort(),
          routes.map((route) => `${route.method} ${route.path}`).sort(),
          "REST bindings = route table",
        );

        // The reference's request body has nothing the binding's body message does not know.
        const bound = bindings.find((binding) => binding.httpMethod === primary.method && binding.template === primary.path);
        if (primary.body && bound?.body) {
          const message = bound.body === "*" ? method.input : bound.body.message;
          const known = new Set(message?.fields.flatMap((field) => [field.name, field.jsonName]));
          assert.deepEqual(
            primary.body.filter((member) => !known.has(member)),
            [],
            "members of the reference's request body that the proto does not know",
          );
        }

        // Its declared access is the table's Auth column.
        const auth = routes[0]?.auth as RouteAuth;
        assert.ok(
          routes.every((route) => route.auth === auth),
          "one Auth for all its rows",
        );
        const expected = declarationOf(auth);
        assert.equal(access.public, expected.public, `public, for Auth ${auth}`);
        assert.equal(access.permission !== undefined, expected.permission, `a permission, for Auth ${auth}`);

        if (access.permission !== undefined) {
          assert.ok(matrix.has(`${service.typeName}.${method.localName}`), "is in the permission matrix");
        }

        if (auth === "none") {
          // Public: the interceptor does not look at credentials, so bad ones change nothing.
          assert.equal(
            await grpcCode(method, {}, { "x-api-key": "svk_garbage" }),
            await grpcCode(method, {}),
            "bad credentials are ignored",
          );
          return;
        }

        // No credentials: 401 in the route family's shape, over REST and gRPC.
        const unauthenticated = await restAnswer(restCall(method, primary));
        assert.equal(unauthenticated.status, 401, JSON.stringify(unauthenticated.body));
        const error = unauthenticatedError(auth);
        if (error) assert.equal(unauthenticated.body?.error, error);
        else assert.equal(typeof unauthenticated.body?.detail, "string");
        const tenantField = method.input.fields.some((field) => field.name === "tenant_id");
        assert.equal(await grpcCode(method, tenantField ? { tenantId: "acme" } : {}), Code.Unauthenticated, "gRPC without credentials");

        // A key of another tenant naming acme: 404 (403 when the key lacks the permission first).
        if (access.permission !== undefined && tenantField) {
          const key = { "x-api-key": otherTenantAdmin.key };
          const holds = (TENANT_ADMIN_SCOPES as readonly string[]).includes(access.permission);
          const wrongTenant = await restAnswer(restCall(method, primary), key);
          assert.equal(wrongTenant.status, holds ? 404 : 403, JSON.stringify(wrongTenant.body));
          assert.equal(
            await grpcCode(method, { tenantId: "acme" }, key),
            holds ? Code.NotFound : Code.PermissionDenied,
            "gRPC, other tenant",
          );
        }
      });
    }
  }

  it("lists the reference's operations not served yet", (t) => {
    const served = new Set(production.flatMap((service) => service.methods.map(rpcName)));
    const missing = ROUTES.filter((route) => !served.has(route.rpc));
    assert.deepEqual(
      missing.filter((route) => route.beyondReference),
      [],
      "every row beyond the reference is served",
    );
    for (const route of missing) {
      t.diagnostic(`not served yet: #${route.op} ${route.operation} — ${route.method} ${route.path} (${route.rpc})`);
    }
    // Every operation number of the reference has a row.
    const numbers = new Set(ROUTES.flatMap((route) => (route.op === undefined ? [] : [route.op])));
    assert.deepEqual(
      Array.from({ length: 104 }, (_, i) => i + 1).filter((op) => !numbers.has(op)),
      [],
    );
    t.diagnostic(`${new Set(missing.map((route) => route.op)).size} of 104 operations not served yet`);
  });
});
