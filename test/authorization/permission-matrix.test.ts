// Every RPC that takes credentials (the rows of matrix-rows.ts), over REST and gRPC, with (a) no
// credentials, (b) a key of another tenant, (c) a key lacking the scope, (d) a sufficient key:
// 401 / 404 (or 403 where the scope is missing first, or a result that does not reveal the other
// tenant) / 403 / success. Errors have their route family's shape (`detail`, or OAuth's `error`).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorFormat, error_format as errorFormatExtension } from "../../gen/svault/api/v1/options_pb.js";
import { SCOPES } from "../../src/domain/auth/permissions.js";
import { createTenant, rest, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { type Call, matrixRows, type Outcome, type Row } from "./matrix-rows.js";

let server: TestServer;
let acmeAdmin: SeededUser;
let otherAdmin: SeededUser;
let profileOnly: SeededUser;
let clientsReadOnly: SeededUser;

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

const rows = matrixRows(() => ({ server, acmeAdmin }));

const STATUS: Record<Exclude<Outcome, "ok" | "ok_scoped" | "admitted">, { http: number; code: Code }> = {
  unauthenticated: { http: 401, code: Code.Unauthenticated },
  not_found: { http: 404, code: Code.NotFound },
  denied: { http: 403, code: Code.PermissionDenied },
};

/** What authorization answers: a handler's refusal of the request itself is none of these. */
const AUTHORIZATION_STATUSES = [401, 403, 404];
const AUTHORIZATION_CODES = [Code.Unauthenticated, Code.PermissionDenied, Code.NotFound];

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

const casesOf = (row: Row): [string, string | undefined, Outcome][] => [
  ["no credentials", undefined, "unauthenticated"],
  ["another tenant's key", otherAdmin.key, row.otherTenant],
  ["a key lacking the scope", lackingKeyFor(row), "denied"],
  ["a sufficient key", (row.sufficient ?? (() => acmeAdmin.key))(), row.sufficientOutcome ?? "ok"],
];

/** The member every error of the row's route family has. */
const errorMember = (row: Row) =>
  hasOption(row.service, errorFormatExtension) && getOption(row.service, errorFormatExtension) === ErrorFormat.OAUTH ? "error" : "detail";

describe("permission matrix", () => {
  for (const row of rows) {
    const name = `${row.service.name}.${row.method} (${row.permission})`;
    it(`${name} over REST`, async () => {
      for (const [label, key, outcome] of casesOf(row)) {
        const res = await viaRest(await row.call(), key);
        if (outcome === "ok" || outcome === "ok_scoped") {
          assert.ok(res.status >= 200 && res.status < 300, `${label}: expected success, got ${res.status} ${JSON.stringify(res.body)}`);
          if (outcome === "ok_scoped") row.scopedCheck?.(res.body);
        } else if (outcome === "admitted") {
          assert.ok(!AUTHORIZATION_STATUSES.includes(res.status), `${label}: expected past authorization, got ${res.status}`);
        } else {
          assert.equal(res.status, STATUS[outcome].http, `${label}: ${JSON.stringify(res.body)}`);
          assert.equal(typeof (res.body as Record<string, unknown>)[errorMember(row)], "string", `${label}: error shape`);
        }
      }
    });
    it(`${name} over gRPC`, async () => {
      for (const [label, key, outcome] of casesOf(row)) {
        const res = await viaGrpc(row, await row.call(), key);
        if (outcome === "ok" || outcome === "ok_scoped") assert.equal(res.code, "ok", `${label}: expected success, got code ${res.code}`);
        else if (outcome === "admitted") assert.ok(res.code === "ok" || !AUTHORIZATION_CODES.includes(res.code), `${label}: ${res.code}`);
        else assert.equal(res.code, STATUS[outcome].code, label);
      }
    });
  }
});
