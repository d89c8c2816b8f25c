// OAuth client administration as an API user sees it: secrets shown once and stored only as a
// hash, public clients, redirect URI rules, uniqueness per tenant, PUT semantics, secret
// regeneration, paging and deletion.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { createTenant, grpcClient, rest, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createTenant(server, "acme");
  await createTenant(server, "globex");
});
after(() => server.close());

type Json = Record<string, unknown>;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const createClient = (body: Json) => rest(server, server.adminKey, "POST", "/api/v1/clients", { tenant_id: "acme", name: "App", ...body });
const getClient = (clientId: string, tenantId = "acme") =>
  rest(server, server.adminKey, "GET", `/api/v1/clients/${encodeURIComponent(clientId)}?tenant_id=${tenantId}`);
const putClient = (clientId: string, body: Json) =>
  rest(server, server.adminKey, "PUT", `/api/v1/clients/${encodeURIComponent(clientId)}`, {
    client_id: clientId,
    tenant_id: "acme",
    ...body,
  });

/** The stored row of a client, read without the tenant filter. */
async function storedRow(tenantId: string, clientId: string): Promise<Record<string, unknown>> {
  const rows = (await server.running.database.orm.em
    .getConnection()
    .execute("select * from client where tenant_id = ? and client_id = ?", [tenantId, clientId])) as Record<string, unknown>[];
  assert.equal(rows.length, 1, `one row for ${tenantId}/${clientId}`);
  return rows[0] as Record<string, unknown>;
}

async function storedText(tenantId: string, clientId: string): Promise<string> {
  const [row] = (await server.running.database.orm.em
    .getConnection()
    .execute("select c::text as row from client c where tenant_id = ? and client_id = ?", [tenantId, clientId])) as { row: string }[];
  return row?.row ?? "";
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

describe("create client", () => {
  it("gives a confidential client a 43-character secret in the 201 answer only", async () => {
    const res = await createClient({ client_id: "conf", redirect_uris: ["https://app.example.com/cb"] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const client = res.body as Json;
    assert.match(client.client_secret as string, SECRET);
    assert.equal(client.client_type, "confidential");
    assert.equal(client.token_endpoint_auth_method, "client_secret_post");
    assert.equal(client.sing_alg, "EdDSA");
    assert.deepEqual(client.allowed_scopes, ["openid", "profile", "email", "offline_access"]);
    assert.deepEqual(client.flow, {
      grant_types: ["authorization_code", "refresh_token"],
      access_token_ttl_seconds: 600,
      refresh_token_ttl_seconds: 2_592_000,
      id_token_ttl_seconds: 600,
    });
    assert.equal(client.tenant_id, "acme");
    assert.equal(client.register_enable, false);
    assert.equal(client.is_lock, false);
    assert.deepEqual(client.redirect_uris, ["https://app.example.com/cb"]);

    const fetched = await getClient("conf");
    assert.equal(fetched.status, 200);
    assert.equal((fetched.body as Json).client_secret, null, "GET never returns the secret");
    assert.deepEqual(fetched.body, { ...client, client_secret: null });
  });

  it("stores only the SHA-256 of the secret", async () => {
    const res = await createClient({ client_id: "hashed" });
    const secret = (res.body as Json).client_secret as string;
    const row = await storedRow("acme", "hashed");
    const hash = row.secret_hash as Buffer;
    assert.ok(Buffer.isBuffer(hash));
    assert.notDeepEqual(hash, Buffer.from(secret));
    assert.deepEqual(hash, sha256(secret));
    const text = await storedText("acme", "hashed");
    assert.ok(!text.includes(secret), "the secret appears nowhere in the row");
    assert.ok(!text.includes(Buffer.from(secret).toString("hex")), "nor its bytes");
  });

  it("imports a given secret of at least 32 characters, and rejects shorter ones", async () => {
    const imported = "imported-secret-0123456789-abcdef";
    const res = await createClient({ client_id: "imported", client_secret: imported });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as Json).client_secret, imported);
    assert.deepEqual((await storedRow("acme", "imported")).secret_hash, sha256(imported));
    const short = await createClient({ client_id: "short-secret", client_secret: "x".repeat(31) });
    assert.deepEqual(violationLocs(short), [["body", "client_secret"]]);
  });

  it("gives a public client no secret and the `none` auth method", async () => {
    const res = await createClient({ client_id: "spa", client_type: "public", redirect_uris: ["http://localhost:3000/cb"] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const client = res.body as Json;
    assert.equal(client.client_secret, null);
    assert.equal(client.client_type, "public");
    assert.equal(client.token_endpoint_auth_method, "none");
    assert.equal((await storedRow("acme", "spa")).secret_hash, null);
    assert.equal(((await getClient("spa")).body as Json).client_secret, null);
  });

  it("rejects auth methods and grants that do not fit the client type", async () => {
    const cases: [Json, (string | number)[]][] = [
      [{ client_type: "public", token_endpoint_auth_method: "client_secret_basic" }, ["body", "token_endpoint_auth_method"]],
      [{ client_type: "public", token_endpoint_auth_method: "client_secret_post" }, ["body", "token_endpoint_auth_method"]],
      [{ client_type: "confidential", token_endpoint_auth_method: "none" }, ["body", "token_endpoint_auth_method"]],
      [{ token_endpoint_auth_method: "private_key_jwt" }, ["body", "token_endpoint_auth_method"]],
      [{ client_type: "public", flow: { grant_types: ["client_credentials"] } }, ["body", "flow", "grant_types"]],
      [{ client_type: "public", client_secret: "s".repeat(40) }, ["body", "client_secret"]],
      [{ client_type: "service" }, ["body", "client_type"]],
      [{ flow: { grant_types: ["password"] } }, ["body", "flow", "grant_types", 0]],
      [{ flow: { access_token_ttl_seconds: 59 } }, ["body", "flow", "access_token_ttl_seconds"]],
      [{ flow: { refresh_token_ttl_seconds: 31_536_001 } }, ["body", "flow", "refresh_token_ttl_seconds"]],
    ];
    let n = 0;
    for (const [body, loc] of cases) {
      const clientId = `mismatch-${++n}`;
      const res = await createClient({ client_id: clientId, ...body });
      assert.deepEqual(violationLocs(res), [loc], JSON.stringify(body));
      assert.equal((await getClient(clientId)).status, 404, "nothing created");
    }
    const basic = await createClient({ client_id: "basic-auth", token_endpoint_auth_method: "client_secret_basic" });
    assert.equal(basic.status, 201);
    assert.equal((basic.body as Json).token_endpoint_auth_method, "client_secret_basic");
  });

  it("accepts https, loopback http and reverse-domain redirect URIs", async () => {
    const uris = [
      "https://app.example.com/cb",
      "https://app.example.com:8443/cb?x=1",
      "http://localhost:3000/cb",
      "http://127.0.0.1:8080/cb",
      "http://[::1]/cb",
      "com.example.app:/cb",
    ];
    const res = await createClient({
      client_id: "good-uris",
      redirect_uris: uris,
      post_logout_redirect_uri: ["https://app.example.com/bye"],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual((res.body as Json).redirect_uris, uris, "kept exactly");
  });

  it("rejects unsafe redirect URIs with 422 naming the index", async () => {
    const bad = [
      "http://example.com/cb",
      "https://app.example.com/cb#fragment",
      "javascript:alert(1)",
      "data:text/html,hi",
      "/relative/cb",
      "http://localhost.evil.example/cb",
      "",
    ];
    let n = 0;
    for (const uri of bad) {
      const res = await createClient({ client_id: `bad-uri-${++n}`, redirect_uris: [uri] });
      assert.deepEqual(violationLocs(res), [["body", "redirect_uris", 0]], uri);
    }
    const second = await createClient({ client_id: "bad-second", redirect_uris: ["https://ok.example.com/cb", "http://example.com/cb"] });
    assert.deepEqual(violationLocs(second), [["body", "redirect_uris", 1]]);
    const logout = await createClient({ client_id: "bad-logout", post_logout_redirect_uri: ["https://ok.example.com/bye#x"] });
    assert.deepEqual(violationLocs(logout), [["body", "post_logout_redirect_uri", 0]]);
    const both = await createClient({
      client_id: "bad-both",
      redirect_uris: ["javascript:alert(1)"],
      post_logout_redirect_uri: ["http://example.com/"],
    });
    assert.deepEqual(violationLocs(both), [
      ["body", "redirect_uris", 0],
      ["body", "post_logout_redirect_uri", 0],
    ]);
  });

  it("rejects signing algorithms other than EdDSA and RS256, and bad links", async () => {
    for (const alg of ["HS256", "ES256", "none", "eddsa"]) {
      const res = await createClient({ client_id: `alg-${alg.toLowerCase()}`, sing_alg: alg });
      assert.deepEqual(violationLocs(res), [["body", "sing_alg"]], alg);
    }
    const rs = await createClient({ client_id: "rs", sing_alg: "RS256" });
    assert.equal(rs.status, 201);
    assert.equal((rs.body as Json).sing_alg, "RS256");
    const link = await createClient({ client_id: "bad-link", logo_uri: "not a uri" });
    assert.deepEqual(violationLocs(link), [["body", "logo_uri"]]);
    const id = await createClient({ client_id: "has space" });
    assert.deepEqual(violationLocs(id), [["body", "client_id"]]);
    const missing = await rest(server, server.adminKey, "POST", "/api/v1/clients", { tenant_id: "acme", client_id: "no-name" });
    assert.deepEqual(violationLocs(missing), [["body", "name"]]);
  });

  it("answers 409 for a client id taken in the tenant, but allows it in another tenant", async () => {
    assert.equal((await createClient({ client_id: "shared", name: "Original" })).status, 201);
    const before = await storedRow("acme", "shared");
    const again = await createClient({ client_id: "shared", name: "Impostor", client_type: "public" });
    assert.equal(again.status, 409);
    assert.equal(typeof (again.body as Json).detail, "string");
    assert.ok(!("client_secret" in (again.body as Json)));
    assert.deepEqual(await storedRow("acme", "shared"), before, "unchanged");
    const elsewhere = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      client_id: "shared",
      tenant_id: "globex",
      name: "Globex's",
    });
    assert.equal(elsewhere.status, 201);
    assert.equal(((await getClient("shared", "globex")).body as Json).name, "Globex's");
    assert.equal(((await getClient("shared", "acme")).body as Json).name, "Original");
  });

  it("addresses client ids with every allowed character in paths", async () => {
    for (const clientId of ["my.app~v1", "A-Z_0-9", "x".repeat(128)]) {
      const res = await createClient({ client_id: clientId, name: clientId });
      assert.equal(res.status, 201, `${clientId}: ${JSON.stringify(res.body)}`);
      const fetched = await getClient(clientId);
      assert.equal(fetched.status, 200, clientId);
      assert.equal((fetched.body as Json).client_id, clientId);
      const regenerated = await rest(
        server,
        server.adminKey,
        "POST",
        `/api/v1/tenants/acme/clients/${encodeURIComponent(clientId)}/secret`,
      );
      assert.equal(regenerated.status, 200, clientId);
      assert.equal((await putClient(clientId, { name: "renamed" })).status, 200, clientId);
      assert.equal(
        (await rest(server, server.adminKey, "DELETE", `/api/v1/clients/${encodeURIComponent(clientId)}?tenant_id=acme`)).status,
        204,
      );
    }
    assert.deepEqual(violationLocs(await createClient({ client_id: "x".repeat(129) })), [["body", "client_id"]]);
  });

  it("answers 404 for an unknown tenant", async () => {
    const res = await rest(server, server.adminKey, "POST", "/api/v1/clients", { client_id: "x", tenant_id: "no-such-tenant", name: "x" });
    assert.equal(res.status, 404);
    assert.equal(typeof (res.body as Json).detail, "string");
  });

  it("answers the same over gRPC", async () => {
    const client = grpcClient(server, ClientService);
    const error = await client
      .createClient(
        { clientId: "grpc-bad", tenantId: "acme", name: "x", redirectUris: ["https://ok.example.com/", "http://example.com/cb"] },
        withKey(server.adminKey),
      )
      .then(
        () => assert.fail("expected an error"),
        (e: unknown) => ConnectError.from(e),
      );
    assert.equal(error.code, Code.InvalidArgument);
    assert.deepEqual(
      error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field),
      ["redirect_uris.1"],
    );
    const created = await client.createClient({ clientId: "grpc-ok", tenantId: "acme", name: "gRPC" }, withKey(server.adminKey));
    assert.match(created.client?.clientSecret ?? "", SECRET);
    const fetched = await client.getClient({ clientId: "grpc-ok", tenantId: "acme" }, withKey(server.adminKey));
    assert.equal(fetched.client?.clientSecret, undefined);
  });
});

describe("update client", () => {
  it("replaces the settings: what the PUT does not carry takes its default; the secret stays", async () => {
    const created = await createClient({
      client_id: "replace-me",
      name: "Before",
      redirect_uris: ["https://before.example.com/cb"],
      post_logout_redirect_uri: ["https://before.example.com/bye"],
      allowed_scopes: ["openid"],
      logo_uri: "https://before.example.com/logo.png",
      tenant_name: "Before Inc",
      register_enable: true,
      is_lock: true,
      sing_alg: "RS256",
      token_endpoint_auth_method: "client_secret_basic",
      flow: { grant_types: ["client_credentials"], access_token_ttl_seconds: 120 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const hashBefore = (await storedRow("acme", "replace-me")).secret_hash;

    const res = await putClient("replace-me", { name: "After", redirect_uris: ["https://after.example.com/cb"] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const client = res.body as Json;
    assert.equal(client.client_secret, null);
    assert.equal(client.name, "After");
    assert.deepEqual(client.redirect_uris, ["https://after.example.com/cb"]);
    assert.deepEqual(client.post_logout_redirect_uri, []);
    assert.deepEqual(client.allowed_scopes, ["openid", "profile", "email", "offline_access"]);
    assert.equal(client.logo_uri, null, "an unset optional link is null, as in the reference");
    assert.equal(client.tenant_name, null);
    assert.equal(client.register_enable, false);
    assert.equal(client.is_lock, false);
    assert.equal(client.sing_alg, "EdDSA");
    assert.equal(client.token_endpoint_auth_method, "client_secret_post");
    assert.deepEqual((client.flow as Json).grant_types, ["authorization_code", "refresh_token"]);
    assert.equal((client.flow as Json).access_token_ttl_seconds, 600);
    assert.equal(client.client_type, "confidential");
    assert.deepEqual((await getClient("replace-me")).body, client, "stored");
    assert.deepEqual((await storedRow("acme", "replace-me")).secret_hash, hashBefore, "the secret is unchanged");
  });

  it("keeps the client type: a different one is 422, the same one is fine", async () => {
    await createClient({ client_id: "fixed-type" });
    const res = await putClient("fixed-type", { name: "x", client_type: "public" });
    assert.deepEqual(violationLocs(res), [["body", "client_type"]]);
    assert.equal(((await getClient("fixed-type")).body as Json).client_type, "confidential");
    const same = await putClient("fixed-type", { name: "y", client_type: "confidential" });
    assert.equal(same.status, 200);

    await createClient({ client_id: "public-fixed", client_type: "public" });
    const toConfidential = await putClient("public-fixed", { name: "x", client_type: "confidential" });
    assert.ok(
      violationLocs(toConfidential).some((loc) => loc[1] === "client_type"),
      JSON.stringify(toConfidential.body),
    );
    // A public client updated without naming its type stays public, with `none`.
    const kept = await putClient("public-fixed", { name: "Still public" });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal((kept.body as Json).client_type, "public");
    assert.equal((kept.body as Json).token_endpoint_auth_method, "none");
  });

  it("sets a client_secret it is given: the new secret authenticates, the old one no longer", async () => {
    const created = await createClient({ client_id: "rotate-me", flow: { grant_types: ["client_credentials"] } });
    const oldSecret = (created.body as Json).client_secret as string;
    const newSecret = "n".repeat(20) + "e".repeat(20);
    const res = await putClient("rotate-me", { name: "Rotated", client_secret: newSecret, flow: { grant_types: ["client_credentials"] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as Json).client_secret, null, "not shown back");
    assert.deepEqual((await storedRow("acme", "rotate-me")).secret_hash, sha256(newSecret));
    const token = (secret: string) =>
      fetch(`${server.baseUrl}/acme/token`, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: "rotate-me", client_secret: secret }),
      });
    assert.equal((await token(newSecret)).status, 200);
    assert.equal((await token(oldSecret)).status, 401);
  });

  it("refuses a secret for a public client, a short one, and a body client_id other than the path's (422)", async () => {
    await createClient({ client_id: "pub-upd", client_type: "public" });
    assert.deepEqual(violationLocs(await putClient("pub-upd", { name: "x", client_secret: "s".repeat(40) })), [["body", "client_secret"]]);
    await createClient({ client_id: "strict-secret" });
    const hashBefore = (await storedRow("acme", "strict-secret")).secret_hash;
    assert.deepEqual(violationLocs(await putClient("strict-secret", { name: "x", client_secret: "short" })), [["body", "client_secret"]]);
    const renamed = await rest(server, server.adminKey, "PUT", "/api/v1/clients/strict-secret", {
      client_id: "other-name",
      tenant_id: "acme",
      name: "Renamed?",
    });
    assert.deepEqual(violationLocs(renamed), [["body", "client_id"]]);
    assert.equal(((await getClient("strict-secret")).body as Json).name, "App", "nothing changed");
    assert.deepEqual((await storedRow("acme", "strict-secret")).secret_hash, hashBefore);
    assert.equal((await getClient("other-name")).status, 404);
  });

  it("applies the same rules as creation and answers 404 for an unknown client", async () => {
    await createClient({ client_id: "strict-update" });
    const bad = await putClient("strict-update", { name: "x", redirect_uris: ["http://example.com/cb"] });
    assert.deepEqual(violationLocs(bad), [["body", "redirect_uris", 0]]);
    const alg = await putClient("strict-update", { name: "x", sing_alg: "HS256" });
    assert.deepEqual(violationLocs(alg), [["body", "sing_alg"]]);
    const missing = await putClient("no-such-client", { name: "x" });
    assert.equal(missing.status, 404);
    assert.equal(typeof (missing.body as Json).detail, "string");
  });
});

describe("regenerate client secret", () => {
  it("answers a new secret, replaces the stored hash, and GET still hides it", async () => {
    const created = await createClient({ client_id: "rotating" });
    const first = (created.body as Json).client_secret as string;
    const res = await rest(server, server.adminKey, "POST", "/api/v1/tenants/acme/clients/rotating/secret");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const second = (res.body as Json).client_secret as string;
    assert.match(second, SECRET);
    assert.notEqual(second, first);
    assert.equal((res.body as Json).client_id, "rotating");
    const hash = (await storedRow("acme", "rotating")).secret_hash;
    assert.deepEqual(hash, sha256(second));
    assert.notDeepEqual(hash, sha256(first));
    assert.equal(((await getClient("rotating")).body as Json).client_secret, null);
  });

  it("refuses public clients (400) and unknown ones (404)", async () => {
    await createClient({ client_id: "public-regen", client_type: "public" });
    const res = await rest(server, server.adminKey, "POST", "/api/v1/tenants/acme/clients/public-regen/secret");
    assert.equal(res.status, 400);
    assert.equal(typeof (res.body as Json).detail, "string");
    assert.equal((await storedRow("acme", "public-regen")).secret_hash, null);
    const missing = await rest(server, server.adminKey, "POST", "/api/v1/tenants/acme/clients/no-such-client/secret");
    assert.equal(missing.status, 404);
    // A client of another tenant is not reachable through this tenant's path.
    const globex = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      client_id: "only-globex",
      tenant_id: "globex",
      name: "g",
    });
    assert.equal(globex.status, 201);
    const globexHash = (await storedRow("globex", "only-globex")).secret_hash;
    const foreign = await rest(server, server.adminKey, "POST", "/api/v1/tenants/acme/clients/only-globex/secret");
    assert.equal(foreign.status, 404);
    assert.deepEqual((await storedRow("globex", "only-globex")).secret_hash, globexHash);
  });
});

describe("list clients", () => {
  before(async () => {
    await createTenant(server, "paged");
    for (const id of ["c-03", "c-01", "c-05", "c-02", "c-04"]) {
      const res = await rest(server, server.adminKey, "POST", "/api/v1/clients", { client_id: id, tenant_id: "paged", name: id });
      assert.equal(res.status, 201);
    }
  });

  const list = (query: string) => rest(server, server.adminKey, "GET", `/api/v1/clients?tenant_id=paged${query}`);
  const idsOf = (res: { body: unknown }) => ((res.body as { clients: Json[] }).clients ?? []).map((c) => c.client_id);

  it("lists a tenant's clients by client id, without secrets", async () => {
    const res = await list("");
    assert.equal(res.status, 200);
    assert.deepEqual(idsOf(res), ["c-01", "c-02", "c-03", "c-04", "c-05"]);
    assert.ok((res.body as { clients: Json[] }).clients.every((c) => c.client_secret === null && c.tenant_id === "paged"));
  });

  it("pages with skip and limit", async () => {
    assert.deepEqual(idsOf(await list("&skip=1&limit=2")), ["c-02", "c-03"]);
    assert.deepEqual(idsOf(await list("&skip=4&limit=2")), ["c-05"]);
    assert.deepEqual(idsOf(await list("&skip=5")), []);
    assert.deepEqual(idsOf(await list("&limit=1")), ["c-01"]);
    assert.deepEqual(idsOf(await list("&limit=500")), ["c-01", "c-02", "c-03", "c-04", "c-05"]);
  });

  it("rejects a limit outside (0, 500] and a negative skip with 422 in the query", async () => {
    assert.deepEqual(violationLocs(await list("&limit=0")), [["query", "limit"]]);
    assert.deepEqual(violationLocs(await list("&limit=501")), [["query", "limit"]]);
    assert.deepEqual(violationLocs(await list("&limit=ten")), [["query", "limit"]]);
    assert.deepEqual(violationLocs(await list("&skip=-1")), [["query", "skip"]]);
    const noTenant = await rest(server, server.adminKey, "GET", "/api/v1/clients");
    assert.deepEqual(violationLocs(noTenant), [["query", "tenant_id"]]);
  });
});

describe("delete client", () => {
  it("answers 204, then 404 for reads, updates and deletes", async () => {
    await createClient({ client_id: "short-lived" });
    const res = await rest(server, server.adminKey, "DELETE", "/api/v1/clients/short-lived?tenant_id=acme");
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    assert.equal((await getClient("short-lived")).status, 404);
    assert.equal((await putClient("short-lived", { name: "x" })).status, 404);
    const again = await rest(server, server.adminKey, "DELETE", "/api/v1/clients/short-lived?tenant_id=acme");
    assert.equal(again.status, 404);
    assert.equal(typeof (again.body as Json).detail, "string");
    // The id is free again.
    assert.equal((await createClient({ client_id: "short-lived" })).status, 201);
  });

  it("deletes only in the named tenant", async () => {
    await createClient({ client_id: "twin" });
    await rest(server, server.adminKey, "POST", "/api/v1/clients", { client_id: "twin", tenant_id: "globex", name: "twin" });
    assert.equal((await rest(server, server.adminKey, "DELETE", "/api/v1/clients/twin?tenant_id=globex")).status, 204);
    assert.equal((await getClient("twin", "acme")).status, 200);
    assert.equal((await getClient("twin", "globex")).status, 404);
  });
});
