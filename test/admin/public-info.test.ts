// What the hosted login page may read without credentials (#12–14): a client's public branding,
// its tenant's login settings, and the same signed by the tenant's EdDSA key.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from "jose";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { createTenant, grpcClient, rest, violationLocs } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let secrets: string[] = [];
before(async () => {
  server = await startTestServer();
  await createTenant(server, "pub-open", {
    register_enable: true,
    display_name: "Open Corp",
    has_username_and_email: false,
    pin_size: 8,
    use_pattern: false,
    passkey_enabled: true,
    block_config: { ip_block_after: 77 },
  });
  await createTenant(server, "pub-closed", { register_enable: false });
  const made = [
    { tenant_id: "pub-open", client_id: "reg-yes", register_enable: true, tenant_name: "Branded", ...links() },
    { tenant_id: "pub-open", client_id: "reg-no", register_enable: false },
    { tenant_id: "pub-closed", client_id: "reg-yes", register_enable: true },
    { tenant_id: "pub-closed", client_id: "reg-no", register_enable: false },
    { tenant_id: server.config.defaultTenant, client_id: "default-app", register_enable: true },
  ];
  for (const body of made) {
    const res = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      name: `${body.client_id} app`,
      redirect_uris: ["https://secret-redirect.example.com/cb"],
      post_logout_redirect_uri: ["https://secret-redirect.example.com/bye"],
      ...body,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    secrets.push((res.body as { client_secret: string }).client_secret);
  }
  secrets = secrets.filter(Boolean);
});
after(() => server.close());

type Json = Record<string, unknown>;

function links() {
  return {
    logo_uri: "https://cdn.example.com/logo.png",
    op_policy_url: "https://example.com/privacy",
    op_tos_url: "https://example.com/tos",
    op_user_agreement_url: "https://example.com/agreement",
    client_uri: "https://example.com/",
    client_logout_uri: "https://example.com/backchannel-logout",
  };
}

const PUBLIC_CLIENT_KEYS = [
  "client_id",
  "name",
  "tenant_id",
  "logo_uri",
  "op_policy_url",
  "op_tos_url",
  "op_user_agreement_url",
  "client_uri",
  "client_logout_uri",
  "register_enable",
  "tenant_name",
  "has_profile",
].sort();

const PUBLIC_TENANT_KEYS = [
  "tenant_id",
  "display_name",
  "register_enable",
  "is_2fa",
  "use_pin",
  "pin_size",
  "use_pattern",
  "patter_size",
  "show_pin_when_typing",
  "login_order",
  "passkey_enabled",
  "has_username_and_email",
  "use_face_recognition",
  "use_liveness",
].sort();

/** A public call: no credentials at all. */
async function anonymous(path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${server.baseUrl}${path}`);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const query = (clientId: string, tenantId?: string) =>
  `client_id=${encodeURIComponent(clientId)}${tenantId === undefined ? "" : `&tenant_id=${encodeURIComponent(tenantId)}`}`;

function assertNothingPrivate(text: string): void {
  for (const needle of [
    "secret-redirect.example.com",
    "block_config",
    "redirect_uris",
    "client_secret",
    "ip_block_after",
    "flow",
    ...secrets,
  ]) {
    assert.ok(!text.includes(needle), `the answer reveals ${needle.slice(0, 16)}`);
  }
}

describe("GET /api/v1/auth/client", () => {
  it("answers exactly the public branding fields, without credentials", async () => {
    const res = await anonymous(`/api/v1/auth/client?${query("reg-yes", "pub-open")}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body as Json).sort(), PUBLIC_CLIENT_KEYS);
    assert.deepEqual(res.body, {
      client_id: "reg-yes",
      name: "reg-yes app",
      tenant_id: "pub-open",
      ...links(),
      register_enable: true,
      tenant_name: "Branded",
      has_profile: false,
    });
    assertNothingPrivate(res.text);
  });

  it("fills unset links with empty strings and names the tenant by its display name, else its id", async () => {
    const open = (await anonymous(`/api/v1/auth/client?${query("reg-no", "pub-open")}`)).body as Json;
    assert.deepEqual(Object.keys(open).sort(), PUBLIC_CLIENT_KEYS);
    for (const link of Object.keys(links())) assert.equal(open[link], "", link);
    assert.equal(open.tenant_name, "Open Corp");
    const closed = (await anonymous(`/api/v1/auth/client?${query("reg-no", "pub-closed")}`)).body as Json;
    assert.equal(closed.tenant_name, "pub-closed");
    assert.equal(closed.has_profile, true);
  });

  it("opens registration only where both the tenant and the client allow it", async () => {
    const cases: [string, string, boolean][] = [
      ["pub-open", "reg-yes", true],
      ["pub-open", "reg-no", false],
      ["pub-closed", "reg-yes", false],
      ["pub-closed", "reg-no", false],
    ];
    for (const [tenantId, clientId, open] of cases) {
      const client = (await anonymous(`/api/v1/auth/client?${query(clientId, tenantId)}`)).body as Json;
      assert.equal(client.register_enable, open, `${tenantId}/${clientId}`);
      const both = (await anonymous(`/api/v1/auth/client-tenant?${query(clientId, tenantId)}`)).body as { client: Json; tenant: Json };
      assert.equal(both.client.register_enable, open, `${tenantId}/${clientId} (client-tenant)`);
      assert.equal(both.tenant.register_enable, tenantId === "pub-open");
    }
  });

  it("falls back to the default tenant when tenant_id is missing", async () => {
    const res = await anonymous(`/api/v1/auth/client?${query("default-app")}`);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body as Json).tenant_id, server.config.defaultTenant);
    assert.equal((res.body as Json).client_id, "default-app");
    const empty = await anonymous(`/api/v1/auth/client?${query("default-app", "")}`);
    assert.equal(empty.status, 200);
    assert.equal((empty.body as Json).tenant_id, server.config.defaultTenant);
    // Clients of other tenants are not found through the default tenant.
    assert.equal((await anonymous(`/api/v1/auth/client?${query("reg-yes")}`)).status, 404);
  });

  it("answers 404 for an unknown client or tenant, and 422 without client_id", async () => {
    for (const q of [query("nope", "pub-open"), query("reg-yes", "no-such-tenant"), query("default-app", "pub-open")]) {
      const res = await anonymous(`/api/v1/auth/client?${q}`);
      assert.equal(res.status, 404, q);
      assert.equal(typeof (res.body as Json).detail, "string");
    }
    assert.deepEqual(violationLocs(await anonymous("/api/v1/auth/client?tenant_id=pub-open")), [["query", "client_id"]]);
    assert.deepEqual(violationLocs(await anonymous(`/api/v1/auth/client?${query("x", "t".repeat(64))}`)), [["query", "tenant_id"]]);
  });
});

describe("GET /api/v1/auth/client-tenant", () => {
  it("answers the public client and exactly the tenant's public login settings", async () => {
    const res = await anonymous(`/api/v1/auth/client-tenant?${query("reg-yes", "pub-open")}`);
    assert.equal(res.status, 200, res.text);
    const body = res.body as { client: Json; tenant: Json };
    assert.deepEqual(Object.keys(body).sort(), ["client", "tenant"]);
    assert.deepEqual(body.client, (await anonymous(`/api/v1/auth/client?${query("reg-yes", "pub-open")}`)).body);
    assert.deepEqual(Object.keys(body.tenant).sort(), PUBLIC_TENANT_KEYS);
    assert.deepEqual(body.tenant, {
      tenant_id: "pub-open",
      display_name: "Open Corp",
      register_enable: true,
      is_2fa: false,
      use_pin: true,
      pin_size: 8,
      use_pattern: false,
      patter_size: 3,
      show_pin_when_typing: true,
      login_order: ["PIN"],
      passkey_enabled: true,
      has_username_and_email: false,
      use_face_recognition: false,
      use_liveness: false,
    });
    assertNothingPrivate(res.text);
  });

  it("is public over gRPC too", async () => {
    const answer = await grpcClient(server, AuthService).getClientTenant({ clientId: "reg-yes", tenantId: "pub-open" });
    assert.equal(answer.client?.tenantName, "Branded");
    assert.equal(answer.tenant?.pinSize, 8);
    assert.deepEqual(answer.tenant?.loginOrder, ["PIN"]);
  });
});

describe("GET /api/v1/auth/client-tenant/signed", () => {
  async function publishedJwks(tenantId: string): Promise<JWK[]> {
    return (await server.running.keys.publishedJwks(tenantId)) as JWK[];
  }

  it("answers {data}: a compact JWS of the client-tenant body, signed by the tenant's EdDSA key", async () => {
    const res = await anonymous(`/api/v1/auth/client-tenant/signed?${query("reg-yes", "pub-open")}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body as Json), ["data"]);
    const data = (res.body as { data: string }).data;
    assert.match(data, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "compact JWS");

    const header = decodeProtectedHeader(data);
    assert.deepEqual(Object.keys(header).sort(), ["alg", "kid", "typ"]);
    assert.equal(header.alg, "EdDSA");
    assert.equal(header.typ, "client-tenant+jwt");
    const jwk = (await publishedJwks("pub-open")).find((key) => key.kid === header.kid);
    assert.ok(jwk, "the kid is a published key of the tenant");
    assert.equal(jwk.alg, "EdDSA");
    assert.equal(jwk.use, "sig");

    const issuer = `${server.config.publicUrl}/pub-open`;
    const { payload } = await jwtVerify(data, await importJWK(jwk, "EdDSA"), { issuer, typ: "client-tenant+jwt", algorithms: ["EdDSA"] });
    const plain = (await anonymous(`/api/v1/auth/client-tenant?${query("reg-yes", "pub-open")}`)).body as Json;
    const { iss, iat, ...rest } = payload;
    assert.deepEqual(rest, plain, "the payload is the client-tenant body");
    assert.equal(iss, issuer);
    assert.equal(typeof iat, "number");
    assert.ok(Math.abs((iat as number) - Date.now() / 1000) < 60, `iat ${iat}`);
    assertNothingPrivate(Buffer.from(data.split(".")[1] as string, "base64url").toString("utf8"));

    // The tenant's whole JWKS verifies it; another tenant's does not.
    await jwtVerify(data, createLocalJWKSet({ keys: await publishedJwks("pub-open") }));
    await assert.rejects(jwtVerify(data, createLocalJWKSet({ keys: await publishedJwks("pub-closed") })));
  });

  it("signs for the default tenant when tenant_id is missing", async () => {
    const res = await anonymous(`/api/v1/auth/client-tenant/signed?${query("default-app")}`);
    assert.equal(res.status, 200, res.text);
    const data = (res.body as { data: string }).data;
    const defaultTenant = server.config.defaultTenant;
    const { payload } = await jwtVerify(data, createLocalJWKSet({ keys: await publishedJwks(defaultTenant) }), {
      issuer: `${server.config.publicUrl}/${defaultTenant}`,
    });
    assert.equal((payload.tenant as Json).tenant_id, defaultTenant);
    assert.equal((payload.client as Json).client_id, "default-app");
  });

  it("answers 404 for an unknown client, like the unsigned form", async () => {
    const res = await anonymous(`/api/v1/auth/client-tenant/signed?${query("nope", "pub-open")}`);
    assert.equal(res.status, 404);
    assert.equal(typeof (res.body as Json).detail, "string");
  });
});
