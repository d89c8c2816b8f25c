// The authorization endpoint as the OpenID conformance suite drives it (docs/oidc.md): form POST
// as well as GET (OpenID Connect Core §3.1.2.1) on every issuer family, request objects (RFC 9101)
// verified against the client's registered keys, and pushed authorization requests (RFC 9126) —
// with oauth4webapi as the relying party, against the real server.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
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

const TENANT = "conf";
/** The test's clock: the real time plus what a test moved it on by. */
let clockOffsetMs = 0;
let server: TestServer;
let keys: Awaited<ReturnType<typeof clientKeyPair>>;
let otherKeys: Awaited<ReturnType<typeof clientKeyPair>>;
let secret: string;
let basicSecret: string;
let parOnlySecret: string | undefined;
let jwksServer: Server;

const issuerOf = (family: "standard" | "alias") =>
  family === "alias" ? `${server.config.publicUrl}/oidc/${TENANT}` : `${server.config.publicUrl}/${TENANT}`;

before(async () => {
  server = await startTestServer({ clock: () => Date.now() + clockOffsetMs });
  basicSecret = (await setUpTenant(server, TENANT, { clientId: "basic-app" })).clientSecret as string;
  keys = await clientKeyPair();
  otherKeys = await clientKeyPair();
  secret = (await registerClient(server, TENANT, "jar-app", { jwks: { keys: [keys.jwk] } })) as string;
  await registerClient(server, TENANT, "unsigned-app", { request_object_signing_alg: "none" });
  parOnlySecret = await registerClient(server, TENANT, "par-only", {
    jwks: { keys: [keys.jwk] },
    require_pushed_authorization_requests: true,
  });
  // A client that publishes its keys at a URL instead.
  jwksServer = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [keys.jwk] })),
  );
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  await registerClient(server, TENANT, "uri-app", {
    jwks_uri: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
  });
});
after(async () => {
  await server.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

/** Signs in from an authorization answer and redeems the code with oauth4webapi; answers the tokens. */
async function completeFlow(
  as: oauth.AuthorizationServer,
  clientId: string,
  clientSecret: string,
  loginPage: URL,
  expected: { state: string; nonce: string; verifier: string },
) {
  const browser = new Browser();
  const callback = await loginFrom(server, browser, loginPage, TENANT);
  const client: oauth.Client = { client_id: clientId };
  const params = oauth.validateAuthResponse(as, client, callback, expected.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(clientSecret),
    params,
    REDIRECT_URI,
    expected.verifier,
    INSECURE,
  );
  return oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: expected.nonce, requireIdToken: true });
}

describe("the authorization endpoint takes a form POST like a GET", () => {
  const routes: { name: string; family: "standard" | "alias"; path: () => string; form: Record<string, string> }[] = [
    { name: "standard issuer", family: "standard" as const, path: () => `/${TENANT}/authorize`, form: {} },
    { name: "alias issuer", family: "alias" as const, path: () => `/oidc/${TENANT}/authorize`, form: {} },
    { name: "tenant in the form", family: "standard" as const, path: () => "/oidc/authorize", form: { tenant_id: TENANT } },
  ];
  for (const route of routes) {
    it(`POST ${route.name}: the login, then a code for that issuer`, async () => {
      const as = await discoverAs(issuerOf(route.family));
      const { params, verifier } = await authorizationParams("basic-app");
      const posted = await new Browser().post(`${server.config.publicUrl}${route.path()}`, { ...params, ...route.form });
      // oauth4webapi checks the callback's `iss` against the issuer, then redeems the code.
      const tokens = await completeFlow(as, "basic-app", basicSecret, locationOf(posted), {
        state: params.state as string,
        nonce: params.nonce as string,
        verifier,
      });
      assert.equal(tokens.token_type.toLowerCase(), "bearer");
    });

    it(`POST ${route.name}: the same refusal as GET for a bad request`, async () => {
      const { params } = await authorizationParams("basic-app", { scope: "openid not-a-scope" });
      const url = new URL(`${server.config.publicUrl}${route.path()}`);
      url.search = new URLSearchParams({ ...params, ...route.form }).toString();
      const viaGet = locationOf(await new Browser().get(url.toString()));
      const viaPost = locationOf(await new Browser().post(`${server.config.publicUrl}${route.path()}`, { ...params, ...route.form }));
      assert.equal(viaPost.toString(), viaGet.toString());
      // 303 after the form POST: the browser follows with a GET, never re-posting the form.
      assert.equal((await new Browser().post(`${server.config.publicUrl}${route.path()}`, { ...params, ...route.form })).status, 303);
      assert.equal(viaPost.searchParams.get("error"), "invalid_scope");
    });
  }
});

for (const family of ["standard", "alias"] as const) {
  describe(`request objects (RFC 9101) on the ${family} issuer`, () => {
    let as: oauth.AuthorizationServer;
    before(async () => {
      as = await discoverAs(issuerOf(family));
    });

    it("a request object signed with the client's registered key is used: its parameters replace the outer ones", async () => {
      const { params, verifier } = await authorizationParams("jar-app");
      const requestObject = await oauth.issueRequestObject(as, { client_id: "jar-app" }, params, keys.privateKey);
      const url = new URL(as.authorization_endpoint as string);
      // The outer state and scope are ignored (RFC 9101 §6.3): the object's win.
      url.search = new URLSearchParams({ client_id: "jar-app", request: requestObject, state: "outer", scope: "openid" }).toString();
      const browser = new Browser();
      const loginPage = locationOf(await browser.get(url.toString()));
      const tokens = await completeFlow(as, "jar-app", secret, loginPage, {
        state: params.state as string,
        nonce: params.nonce as string,
        verifier,
      });
      assert.equal(tokens.scope, "openid profile offline_access");
    });

    it("a request object signed with another key is refused with invalid_request_object", async () => {
      const { params } = await authorizationParams("jar-app");
      const requestObject = await oauth.issueRequestObject(as, { client_id: "jar-app" }, params, otherKeys.privateKey);
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({
        client_id: "jar-app",
        redirect_uri: REDIRECT_URI,
        request: requestObject,
        state: "outer",
      }).toString();
      const back = locationOf(await new Browser().get(url.toString()));
      assert.equal(back.origin + back.pathname, REDIRECT_URI);
      assert.equal(back.searchParams.get("error"), "invalid_request_object");
      assert.equal(back.searchParams.get("iss"), issuerOf(family));
    });

    it("an unsigned request object is refused, unless the client registered for unsigned ones", async () => {
      const { params } = await authorizationParams("jar-app", { state: "inner" });
      const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(params)).toString("base64url")}.`;
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "jar-app", redirect_uri: REDIRECT_URI, request: unsigned, state: "outer" }).toString();
      const refused = locationOf(await new Browser().get(url.toString()));
      assert.equal(refused.searchParams.get("error"), "invalid_request_object");

      const forUnsigned = { ...params, client_id: "unsigned-app" };
      const allowed = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(forUnsigned)).toString("base64url")}.`;
      url.search = new URLSearchParams({ client_id: "unsigned-app", request: allowed, state: "outer" }).toString();
      const loginPage = locationOf(await new Browser().get(url.toString()));
      const callback = await loginFrom(server, new Browser(), loginPage, TENANT);
      assert.equal(callback.searchParams.get("state"), "inner", "the object's state, not the outer one");
    });

    it("a request object with a parameter of the wrong type is refused, not half-used", async () => {
      const { params } = await authorizationParams("jar-app");
      for (const bad of [{ max_age: -1 }, { max_age: "soon" }, { state: { nested: true } }]) {
        const requestObject = await oauth.issueRequestObject(as, { client_id: "jar-app" }, params, keys.privateKey, {
          [oauth.modifyAssertion]: (_header, payload) => Object.assign(payload, bad),
        });
        const url = new URL(as.authorization_endpoint as string);
        url.search = new URLSearchParams({ client_id: "jar-app", redirect_uri: REDIRECT_URI, request: requestObject }).toString();
        assert.equal(
          locationOf(await new Browser().get(url.toString())).searchParams.get("error"),
          "invalid_request_object",
          JSON.stringify(bad),
        );
      }
    });

    it("a request object of a client whose keys are at its jwks_uri verifies with the fetched keys", async () => {
      const { params } = await authorizationParams("uri-app");
      const requestObject = await oauth.issueRequestObject(as, { client_id: "uri-app" }, params, keys.privateKey);
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "uri-app", request: requestObject }).toString();
      assert.equal(locationOf(await new Browser().get(url.toString())).pathname, "/ui/login");
    });

    it("a request_uri that the PAR endpoint did not issue is refused with request_uri_not_supported", async () => {
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({
        client_id: "jar-app",
        redirect_uri: REDIRECT_URI,
        request_uri: "https://rp.example/request.jwt",
        state: "s",
      }).toString();
      const back = locationOf(await new Browser().get(url.toString()));
      assert.equal(back.searchParams.get("error"), "request_uri_not_supported");
      assert.equal(back.searchParams.get("state"), "s");
    });
  });

  describe(`pushed authorization requests (RFC 9126) on the ${family} issuer`, () => {
    let as: oauth.AuthorizationServer;
    before(async () => {
      as = await discoverAs(issuerOf(family));
      assert.equal(as.pushed_authorization_request_endpoint, `${issuerOf(family)}/par`);
    });

    async function push(clientId: string, extra: Record<string, string> = {}) {
      const { params, verifier } = await authorizationParams(clientId, extra);
      const response = await oauth.pushedAuthorizationRequest(
        as,
        { client_id: clientId },
        oauth.ClientSecretBasic(secret),
        params,
        INSECURE,
      );
      const pushed = await oauth.processPushedAuthorizationResponse(as, { client_id: clientId }, response);
      return { ...pushed, params, verifier };
    }

    it("PAR, then Authorize with the request_uri: the pushed parameters are used, once", async () => {
      const pushed = await push("jar-app");
      assert.match(pushed.request_uri, /^urn:ietf:params:oauth:request_uri:/);
      assert.equal(pushed.expires_in, 60);
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "jar-app", request_uri: pushed.request_uri }).toString();
      const loginPage = locationOf(await new Browser().get(url.toString()));
      const tokens = await completeFlow(as, "jar-app", secret, loginPage, {
        state: pushed.params.state as string,
        nonce: pushed.params.nonce as string,
        verifier: pushed.verifier,
      });
      assert.ok(tokens.access_token);

      const reused = locationOf(await new Browser().get(url.toString()));
      assert.equal(reused.pathname, "/ui/error");
      assert.equal(reused.searchParams.get("error"), "invalid_request_uri");
    });

    it("a request_uri is the pushing client's only, and expires after 60 seconds", async () => {
      const pushed = await push("jar-app");
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "basic-app", request_uri: pushed.request_uri }).toString();
      assert.equal(locationOf(await new Browser().get(url.toString())).searchParams.get("error"), "invalid_request_uri");

      const late = await push("jar-app");
      clockOffsetMs = 61_000;
      try {
        url.search = new URLSearchParams({ client_id: "jar-app", request_uri: late.request_uri }).toString();
        assert.equal(locationOf(await new Browser().get(url.toString())).searchParams.get("error"), "invalid_request_uri");
      } finally {
        clockOffsetMs = 0;
      }
    });

    it("a pushed request carrying a signed request object is used", async () => {
      const { params } = await authorizationParams("jar-app", { state: "from-the-object" });
      const requestObject = await oauth.issueRequestObject(as, { client_id: "jar-app" }, params, keys.privateKey);
      const response = await oauth.pushedAuthorizationRequest(
        as,
        { client_id: "jar-app" },
        oauth.ClientSecretBasic(secret),
        { client_id: "jar-app", request: requestObject },
        INSECURE,
      );
      const { request_uri } = await oauth.processPushedAuthorizationResponse(as, { client_id: "jar-app" }, response);
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams({ client_id: "jar-app", request_uri }).toString();
      const callback = await loginFrom(server, new Browser(), locationOf(await new Browser().get(url.toString())), TENANT);
      assert.equal(callback.searchParams.get("state"), "from-the-object");
    });

    it("the PAR endpoint authenticates the client and checks the redirect URI at once", async () => {
      const { params } = await authorizationParams("jar-app");
      const wrongSecret = await send(`${issuerOf(family)}/par`, { form: { ...params, client_secret: "not-the-secret" } });
      assert.equal(wrongSecret.status, 401);
      assert.equal((wrongSecret.body as { error: string }).error, "invalid_client");
      const badRedirect = await send(`${issuerOf(family)}/par`, {
        form: { ...params, redirect_uri: "https://evil.example/cb", client_secret: secret },
      });
      assert.equal(badRedirect.status, 400);
      assert.equal((badRedirect.body as { error: string }).error, "invalid_request");
    });

    it("a client that requires PAR is refused without it, and served with it", async () => {
      const { params } = await authorizationParams("par-only");
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams(params).toString();
      const refused = locationOf(await new Browser().get(url.toString()));
      assert.equal(refused.searchParams.get("error"), "invalid_request");
      assert.match(refused.searchParams.get("error_description") ?? "", /push/i);

      const response = await oauth.pushedAuthorizationRequest(
        as,
        { client_id: "par-only" },
        oauth.ClientSecretBasic(String(parOnlySecret)),
        params,
        INSECURE,
      );
      const { request_uri } = await oauth.processPushedAuthorizationResponse(as, { client_id: "par-only" }, response);
      url.search = new URLSearchParams({ client_id: "par-only", request_uri }).toString();
      assert.equal(locationOf(await new Browser().get(url.toString())).pathname, "/ui/login");
    });
  });
}

describe("PAR on the tenant-in-the-form endpoint (/oidc/par)", () => {
  it("takes a public client's request (client_id only) for the standard issuer", async () => {
    await registerClient(server, TENANT, "spa", { client_type: "public", flow: { grant_types: ["authorization_code"] } });
    const { params } = await authorizationParams("spa");
    const pushed = await send(`${server.config.publicUrl}/oidc/par`, { form: { ...params, tenant_id: TENANT } });
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const { request_uri } = pushed.body as { request_uri: string };
    const url = new URL(`${issuerOf("standard")}/authorize`);
    url.search = new URLSearchParams({ client_id: "spa", request_uri }).toString();
    const callback = await loginFrom(server, new Browser(), locationOf(await new Browser().get(url.toString())), TENANT);
    assert.equal(callback.searchParams.get("iss"), issuerOf("standard"));
    assert.equal(callback.searchParams.get("state"), params.state);
  });
});

describe("a tenant that requires PAR", () => {
  it("says so in discovery and refuses every client's plain authorization request", async () => {
    const updated = await rest(server, server.adminKey, "PUT", `/api/v1/tenants/${TENANT}`, {
      require_pushed_authorization_requests: true,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    try {
      const as = await discoverAs(issuerOf("standard"));
      assert.equal(as.require_pushed_authorization_requests, true);
      const { params } = await authorizationParams("basic-app");
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams(params).toString();
      assert.equal(locationOf(await new Browser().get(url.toString())).searchParams.get("error"), "invalid_request");
    } finally {
      await rest(server, server.adminKey, "PUT", `/api/v1/tenants/${TENANT}`, { require_pushed_authorization_requests: false });
    }
  });
});
