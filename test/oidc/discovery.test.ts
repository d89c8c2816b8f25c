// Discovery and JWKS as a relying party sees them, on both issuer families: each document names
// its own issuer and endpoints (which answer), carries every metadata field of
// GetOpenidConfigurationResponse, is cacheable, and the JWKS publishes the tenant's signing and
// encryption keys (public parts only). Unknown tenants get an OAuth-shaped 404.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as oidc from "openid-client";
import { GetJwksResponseSchema, GetOpenidConfigurationResponseSchema, OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { ADMIN_API_SCOPES } from "../../src/domain/auth/permissions.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertOAuthError, REDIRECT_URI, send, setUpTenant } from "./support.js";

const TENANT = "disco";

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await setUpTenant(server, TENANT, { clientId: "webapp" });
});
after(() => server.close());

/** Every field of svault.oidc.v1.GetOpenidConfigurationResponse, in its JSON name. */
const METADATA_FIELDS = [
  "pushed_authorization_request_endpoint",
  "require_pushed_authorization_requests",
  "request_object_signing_alg_values_supported",
  "token_endpoint_auth_signing_alg_values_supported",
  "revocation_endpoint_auth_signing_alg_values_supported",
  "dpop_signing_alg_values_supported",
  "introspection_endpoint",
  "introspection_endpoint_auth_methods_supported",
  "introspection_endpoint_auth_signing_alg_values_supported",
  "issuer",
  "authorization_endpoint",
  "token_endpoint",
  "userinfo_endpoint",
  "jwks_uri",
  "end_session_endpoint",
  "revocation_endpoint",
  "response_types_supported",
  "response_modes_supported",
  "grant_types_supported",
  "subject_types_supported",
  "id_token_signing_alg_values_supported",
  "scopes_supported",
  "claims_supported",
  "code_challenge_methods_supported",
  "token_endpoint_auth_methods_supported",
  "revocation_endpoint_auth_methods_supported",
  "authorization_response_iss_parameter_supported",
  "backchannel_logout_supported",
  "backchannel_logout_session_supported",
  "prompt_values_supported",
  "claim_types_supported",
  "claims_parameter_supported",
  "request_parameter_supported",
  "request_uri_parameter_supported",
  "acr_values_supported",
];

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

interface Jwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  crv?: string;
  x?: string;
  n?: string;
  e?: string;
  x5c?: string[];
  [member: string]: unknown;
}

for (const family of ["standard", "alias"] as const) {
  describe(`discovery on the ${family} issuer`, () => {
    const base = () => (family === "alias" ? `${server.config.publicUrl}/oidc/${TENANT}` : `${server.config.publicUrl}/${TENANT}`);
    let doc: Record<string, unknown>;

    before(async () => {
      const res = await send(`${base()}/.well-known/openid-configuration`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+/, "discovery is cacheable");
      doc = res.body as Record<string, unknown>;
    });

    it("names its own issuer and puts every endpoint under it", () => {
      assert.equal(doc.issuer, base());
      assert.equal(doc.authorization_endpoint, `${base()}/authorize`);
      assert.equal(doc.token_endpoint, `${base()}/token`);
      assert.equal(doc.userinfo_endpoint, `${base()}/userinfo`);
      assert.equal(doc.jwks_uri, `${base()}/.well-known/jwks.json`);
      assert.equal(doc.revocation_endpoint, `${base()}/revoke`);
      assert.equal(doc.pushed_authorization_request_endpoint, `${base()}/par`);
      assert.equal(doc.introspection_endpoint, `${base()}/introspect`);
      // RP-initiated logout is one route for every tenant (ROUTES.md #5); the id_token_hint names the tenant.
      assert.equal(doc.end_session_endpoint, `${server.config.publicUrl}/api/v1/auth/oidc/logout`);
    });

    it("carries every metadata field of GetOpenidConfigurationResponse with the documented values", () => {
      assert.deepEqual(Object.keys(doc).sort(), [...METADATA_FIELDS].sort());
      assert.deepEqual(doc.id_token_signing_alg_values_supported, ["EdDSA", "RS256"]);
      assert.deepEqual(doc.code_challenge_methods_supported, ["S256"]);
      assert.deepEqual(doc.response_types_supported, ["code"]);
      assert.deepEqual(doc.response_modes_supported, ["query"]);
      assert.deepEqual([...(doc.grant_types_supported as string[])].sort(), ["authorization_code", "client_credentials", "refresh_token"]);
      assert.deepEqual(doc.subject_types_supported, ["public"]);
      // The OpenID Connect scopes, then the admin API's (a token for the admin API, docs/permissions.md).
      assert.deepEqual(doc.scopes_supported, [
        "openid",
        "profile",
        "email",
        "address",
        "phone",
        "offline_access",
        "groups",
        ...ADMIN_API_SCOPES,
      ]);
      // The assurance levels an ID token's acr names, weakest first (docs/oidc.md, "amr and acr").
      assert.deepEqual(doc.acr_values_supported, ["urn:svault:acr:1fa", "urn:svault:acr:2fa"]);
      for (const claim of ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "acr", "at_hash", "tenant_id"]) {
        assert.ok((doc.claims_supported as string[]).includes(claim), claim);
      }
      for (const field of ["token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"]) {
        assert.deepEqual(
          [...(doc[field] as string[])].sort(),
          ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"],
          field,
        );
      }
      // Client-signed JWTs (request objects, client assertions) and DPoP proofs: asymmetric algorithms only.
      for (const field of [
        "token_endpoint_auth_signing_alg_values_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
        "dpop_signing_alg_values_supported",
      ]) {
        assert.deepEqual(doc[field], ["EdDSA", "Ed25519", "ES256", "RS256", "PS256"], field);
      }
      // `none` only for a client registered for unsigned request objects.
      assert.deepEqual(doc.request_object_signing_alg_values_supported, ["EdDSA", "Ed25519", "ES256", "RS256", "PS256", "none"]);
      assert.equal(doc.require_pushed_authorization_requests, false);
      assert.deepEqual([...(doc.prompt_values_supported as string[])].sort(), ["consent", "login", "none", "select_account"]);
      assert.deepEqual(doc.claim_types_supported, ["normal"]);
      assert.equal(doc.authorization_response_iss_parameter_supported, true);
      assert.equal(doc.backchannel_logout_supported, true);
      assert.equal(doc.backchannel_logout_session_supported, true);
      assert.equal(doc.claims_parameter_supported, false);
      assert.equal(doc.request_parameter_supported, true);
      // Only the request_uri values of the PAR endpoint, which pushed_authorization_request_endpoint announces.
      assert.equal(doc.request_uri_parameter_supported, false);
    });

    it("advertises endpoints that answer", async () => {
      const authorize = await send(
        `${doc.authorization_endpoint}?${new URLSearchParams({ client_id: "nobody", redirect_uri: REDIRECT_URI })}`,
      );
      assert.equal(authorize.status, 302, "the authorization endpoint redirects (here to the error page)");
      assertOAuthError(
        await send(doc.token_endpoint as string, { form: { grant_type: "client_credentials" } }),
        401,
        "invalid_client",
        "token",
      );
      assertOAuthError(await send(doc.userinfo_endpoint as string), 401, "invalid_token", "userinfo");
      assertOAuthError(await send(doc.revocation_endpoint as string, { form: { token: "x" } }), 401, "invalid_client", "revocation");
      assert.equal((await send(doc.jwks_uri as string)).status, 200, "jwks");
      const logout = await send(doc.end_session_endpoint as string);
      assert.equal(logout.status, 302, "end session");
    });

    it("is accepted by openid-client", async () => {
      const config = await oidc.discovery(new URL(base()), "webapp", undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      assert.equal(config.serverMetadata().issuer, base());
      assert.equal(config.serverMetadata().supportsPKCE(), true);
    });

    it("publishes Ed25519, RSA (with x5c) and X25519 keys, public parts only, cacheable", async () => {
      const res = await send(doc.jwks_uri as string);
      assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+/, "the JWKS is cacheable");
      const { keys } = res.body as { keys: Jwk[] };
      assert.ok(Array.isArray(keys));
      for (const key of keys) {
        assert.ok(key.kid, "every key has a kid");
        for (const member of PRIVATE_JWK_MEMBERS) assert.equal(key[member], undefined, `no private member ${member} in ${key.kid}`);
      }
      assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, "kids are unique");

      const ed = keys.filter((k) => k.alg === "EdDSA");
      assert.equal(ed.length, 1);
      assert.deepEqual({ kty: ed[0]?.kty, crv: ed[0]?.crv, use: ed[0]?.use }, { kty: "OKP", crv: "Ed25519", use: "sig" });

      const rsa = keys.filter((k) => k.alg === "RS256");
      assert.equal(rsa.length, 1);
      const rsaKey = rsa[0] as Jwk;
      assert.deepEqual({ kty: rsaKey.kty, use: rsaKey.use }, { kty: "RSA", use: "sig" });
      assert.ok(Array.isArray(rsaKey.x5c) && rsaKey.x5c.length > 0, "RSA key has x5c");
      // The certificate holds the same public key.
      const certificate = new X509Certificate(Buffer.from(rsaKey.x5c[0] as string, "base64"));
      const certJwk = certificate.publicKey.export({ format: "jwk" });
      assert.equal(certJwk.n, rsaKey.n);
      assert.equal(certJwk.e, rsaKey.e);

      const enc = keys.filter((k) => k.use === "enc");
      assert.equal(enc.length, 1);
      assert.deepEqual({ kty: enc[0]?.kty, crv: enc[0]?.crv, alg: enc[0]?.alg }, { kty: "OKP", crv: "X25519", alg: "ECDH-ES" });
    });
  });
}

describe("discovery across families and tenants", () => {
  it("both families publish the same JWKS", async () => {
    const standard = await send(`${server.config.publicUrl}/${TENANT}/.well-known/jwks.json`);
    const alias = await send(`${server.config.publicUrl}/oidc/${TENANT}/.well-known/jwks.json`);
    assert.equal(standard.status, 200);
    assert.deepEqual(alias.body, standard.body);
  });

  it("an unknown tenant gets a 404 OAuth error on discovery and JWKS of both families", async () => {
    for (const path of [
      "/no-such-tenant/.well-known/openid-configuration",
      "/oidc/no-such-tenant/.well-known/openid-configuration",
      "/no-such-tenant/.well-known/jwks.json",
      "/oidc/no-such-tenant/.well-known/jwks.json",
    ]) {
      assertOAuthError(await send(`${server.baseUrl}${path}`), 404, "invalid_request", path);
    }
  });
});

describe("discovery and JWKS over Connect, gRPC-Web and gRPC", () => {
  // The documents are kept in memory and their binary encoding written once (src/rpc/kept-answers.ts):
  // every protocol and format must still see the whole document, the same as REST, every time.
  const transports = () => ({
    "gRPC (binary)": createGrpcTransport({ baseUrl: server.grpcUrl }),
    "gRPC-Web (binary)": createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    "Connect (binary)": createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    "Connect (JSON)": createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
  });

  it("answers the same documents as REST, on every call", async () => {
    const jwks = (await send(`${server.config.publicUrl}/${TENANT}/.well-known/jwks.json`)).body as { keys: Jwk[] };
    const configuration = (await send(`${server.config.publicUrl}/${TENANT}/.well-known/openid-configuration`)).body;
    assert.ok(jwks.keys.length >= 3);
    for (const [name, transport] of Object.entries(transports())) {
      const client = createClient(OidcService, transport);
      for (let call = 1; call <= 2; call++) {
        const keys = await client.getJwks({ tenantId: TENANT });
        assert.deepEqual(toJson(GetJwksResponseSchema, keys, { useProtoFieldName: true }), jwks, `${name}, call ${call}: JWKS`);
        const discovered = await client.getOpenidConfiguration({ tenantId: TENANT });
        assert.deepEqual(
          toJson(GetOpenidConfigurationResponseSchema, discovered, { useProtoFieldName: true, alwaysEmitImplicit: true }),
          configuration,
          `${name}, call ${call}: discovery`,
        );
      }
    }
  });
});
