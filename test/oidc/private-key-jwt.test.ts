// private_key_jwt client authentication (RFC 7523, OpenID Connect Core §9) at the token,
// revocation and PAR endpoints, with oauth4webapi as the client: an assertion signed with the
// client's registered key is accepted, once; another key, another audience or a replay is
// refused; and the client's keys are registered through the admin API over REST and gRPC.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT } from "jose";
import { ClientService } from "../../gen/svault/client/v1/client_service_pb.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authorizationParams,
  clientKeyPair,
  discoverAs,
  INSECURE,
  locationOf,
  loginFrom,
  oauth,
  registerClient,
} from "./oauth4webapi-support.js";
import { Browser, REDIRECT_URI, send, setUpTenant } from "./support.js";

const TENANT = "pkj";
let server: TestServer;
let keys: Awaited<ReturnType<typeof clientKeyPair>>;
let otherKeys: Awaited<ReturnType<typeof clientKeyPair>>;

const issuerOf = (family: "standard" | "alias") =>
  family === "alias" ? `${server.config.publicUrl}/oidc/${TENANT}` : `${server.config.publicUrl}/${TENANT}`;

before(async () => {
  server = await startTestServer();
  await setUpTenant(server, TENANT, { clientId: "secret-app" });
  keys = await clientKeyPair("ES256");
  otherKeys = await clientKeyPair("ES256");
  await registerClient(server, TENANT, "signed-app", { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [keys.jwk] } });
});
after(() => server.close());

/** A client assertion made by hand, for the requests oauth4webapi would never send. */
function assertion(claims: { aud?: string; jti?: string; exp?: number; key?: CryptoKey } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: keys.jwk.kid })
    .setIssuer("signed-app")
    .setSubject("signed-app")
    .setAudience(claims.aud ?? issuerOf("standard"))
    .setJti(claims.jti ?? crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 60)
    .sign(claims.key ?? keys.pair.privateKey);
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

function clientCredentials(url: string, clientAssertion: string) {
  return send(url, { form: { grant_type: "client_credentials", client_assertion_type: JWT_BEARER, client_assertion: clientAssertion } });
}

for (const family of ["standard", "alias"] as const) {
  describe(`private_key_jwt on the ${family} issuer`, () => {
    let as: oauth.AuthorizationServer;
    const client: oauth.Client = { client_id: "signed-app" };
    before(async () => {
      as = await discoverAs(issuerOf(family));
      assert.ok(as.token_endpoint_auth_methods_supported?.includes("private_key_jwt"));
    });

    it("an assertion signed with the registered key authenticates the client (client_credentials)", async () => {
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.PrivateKeyJwt(keys.privateKey), {}, INSECURE);
      const tokens = await oauth.processClientCredentialsResponse(as, client, response);
      assert.equal(tokens.token_type.toLowerCase(), "bearer");
    });

    it("the same assertion presented twice is refused the second time (jti replay)", async () => {
      const once = await assertion({ aud: issuerOf(family) });
      assert.equal((await clientCredentials(`${issuerOf(family)}/token`, once)).status, 200);
      const replayed = await clientCredentials(`${issuerOf(family)}/token`, once);
      assert.equal(replayed.status, 401);
      assert.equal((replayed.body as { error: string }).error, "invalid_client");
    });

    it("an assertion for the token endpoint's URL is accepted too; one for another audience is not", async () => {
      assert.equal(
        (await clientCredentials(`${issuerOf(family)}/token`, await assertion({ aud: `${issuerOf(family)}/token` }))).status,
        200,
      );
      const elsewhere = await clientCredentials(`${issuerOf(family)}/token`, await assertion({ aud: "https://other.example" }));
      assert.equal(elsewhere.status, 401);
    });

    it("an assertion signed with another key, or living too long, is refused", async () => {
      const wrongKey = await clientCredentials(
        `${issuerOf(family)}/token`,
        await assertion({ aud: issuerOf(family), key: otherKeys.pair.privateKey }),
      );
      assert.equal(wrongKey.status, 401);
      assert.equal((wrongKey.body as { error: string }).error, "invalid_client");
      const longLived = await assertion({ aud: issuerOf(family), exp: Math.floor(Date.now() / 1000) + 3600 });
      assert.equal((await clientCredentials(`${issuerOf(family)}/token`, longLived)).status, 401);
    });

    it("the code flow, PAR and revocation authenticate the client the same way", async () => {
      const auth = oauth.PrivateKeyJwt(keys.privateKey);
      const { params, verifier } = await authorizationParams("signed-app");
      const pushed = await oauth.processPushedAuthorizationResponse(
        as,
        client,
        await oauth.pushedAuthorizationRequest(as, client, auth, params, INSECURE),
      );
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "signed-app", request_uri: pushed.request_uri }).toString();
      const callback = await loginFrom(server, new Browser(), locationOf(await new Browser().get(url.toString())), TENANT);
      const callbackParams = oauth.validateAuthResponse(as, client, callback, params.state as string);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, callbackParams, REDIRECT_URI, verifier, INSECURE),
        { expectedNonce: params.nonce as string, requireIdToken: true },
      );
      const refreshToken = tokens.refresh_token as string;
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshToken, INSECURE));
      const refreshed = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, INSECURE);
      await assert.rejects(oauth.processRefreshTokenResponse(as, client, refreshed), (error: oauth.ResponseBodyError) => {
        assert.equal(error.error, "invalid_grant");
        return true;
      });
    });

    it("a client registered for private_key_jwt cannot use a secret, and no other client can use an assertion", async () => {
      const withSecret = await send(`${issuerOf(family)}/token`, {
        form: { grant_type: "client_credentials", client_id: "signed-app", client_secret: "x".repeat(40) },
      });
      assert.equal(withSecret.status, 401);
      const foreign = new SignJWT({})
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer("secret-app")
        .setSubject("secret-app")
        .setAudience(issuerOf(family))
        .setJti("j")
        .setIssuedAt()
        .setExpirationTime("1m")
        .sign(keys.pair.privateKey);
      assert.equal((await clientCredentials(`${issuerOf(family)}/token`, await foreign)).status, 401);
    });
  });
}

describe("private_key_jwt on the tenant-in-the-form token endpoint", () => {
  it("takes the standard issuer as audience", async () => {
    const answer = await send(`${server.config.publicUrl}/oidc/token`, {
      form: { tenant_id: TENANT, grant_type: "client_credentials", client_assertion_type: JWT_BEARER, client_assertion: await assertion() },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });
});

describe("a client's keys in the admin API", () => {
  it("REST refuses private_key_jwt without keys, private key material, and jwks with jwks_uri", async () => {
    const base = { tenant_id: TENANT, name: "x", redirect_uris: [REDIRECT_URI] };
    const noKeys = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      ...base,
      client_id: "k1",
      token_endpoint_auth_method: "private_key_jwt",
    });
    assert.equal(noKeys.status, 422, JSON.stringify(noKeys.body));
    const privateJwk = { ...keys.jwk, d: "secret" };
    const withPrivate = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      ...base,
      client_id: "k2",
      jwks: { keys: [privateJwk] },
    });
    assert.equal(withPrivate.status, 422, JSON.stringify(withPrivate.body));
    const both = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      ...base,
      client_id: "k3",
      jwks: { keys: [keys.jwk] },
      jwks_uri: "https://rp.example/jwks.json",
    });
    assert.equal(both.status, 422, JSON.stringify(both.body));
    const got = await rest(server, server.adminKey, "GET", `/api/v1/clients/signed-app?tenant_id=${TENANT}`);
    assert.deepEqual((got.body as { jwks: unknown }).jwks, { keys: [keys.jwk] });
  });

  it("gRPC creates and reads a client with its keys and profile settings", async () => {
    const clients = createClient(ClientService, createGrpcTransport({ baseUrl: server.grpcUrl }));
    const headers = { "x-api-key": server.adminKey };
    await clients.createClient(
      {
        tenantId: TENANT,
        clientId: "grpc-app",
        name: "gRPC app",
        redirectUris: [REDIRECT_URI],
        tokenEndpointAuthMethod: "private_key_jwt",
        jwks: { keys: [keys.jwk] },
        requestObjectSigningAlg: "ES256",
        requirePushedAuthorizationRequests: true,
        dpopBoundAccessTokens: true,
      },
      { headers },
    );
    const { client } = await clients.getClient({ tenantId: TENANT, clientId: "grpc-app" }, { headers });
    assert.equal(client?.tokenEndpointAuthMethod, "private_key_jwt");
    assert.deepEqual(client?.jwks, { keys: [keys.jwk] });
    assert.equal(client?.requestObjectSigningAlg, "ES256");
    assert.equal(client?.requirePushedAuthorizationRequests, true);
    assert.equal(client?.dpopBoundAccessTokens, true);
  });
});
