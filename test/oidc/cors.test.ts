// A browser app on another origin (a public client with PKCE) using the provider: discovery and
// JWKS are readable from any origin; token, userinfo and revocation from the origins of the
// tenant's clients' redirect URIs; the admin API from none. Real preflights and simple requests,
// then a page in headless Chromium on a second local server that signs in with fetch.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser as Chromium } from "playwright-core";
import { ClientOrigins } from "../../src/domain/clients/client-origins.js";
import { ChangeFeed } from "../../src/persistence/change-feed.js";
import { DEFAULT_CACHE_BOUNDS } from "../../src/persistence/invalidated-cache.js";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { launchChromium } from "../ui/chromium.js";
import { authorizeUrl, Browser, browserLogin, pkcePair, setUpTenant } from "./support.js";

const TENANT = "spa-land";
const STRANGER = "https://stranger.example";

let server: TestServer;
let appServer: Server;
/** The browser app's origin: a second local server, so another port of 127.0.0.1. */
let appOrigin: string;
let issuer: string;

/**
 * The app's own script, as a single-page app would run it after the redirect to its callback:
 * discovery, JWKS, the code exchange, userinfo, revocation — and three tries at the admin API.
 * What a page may not read, fetch rejects with a TypeError.
 */
const SPA_SCRIPT = `
async function readable(request) {
  return request.then((res) => "read " + res.status, (error) => "blocked: " + error.name);
}
window.signIn = async ({ issuer, code, verifier, redirectUri, adminUrl, adminKey }) => {
  const discovery = await (await fetch(issuer + "/.well-known/openid-configuration")).json();
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const token = await (await fetch(discovery.token_endpoint, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirectUri, client_id: "spa" }),
  })).json();
  const bearer = { authorization: "Bearer " + token.access_token };
  const userinfo = await (await fetch(discovery.userinfo_endpoint, { headers: bearer })).json();
  return {
    jwksKeys: jwks.keys.length,
    tokenType: token.token_type,
    userinfoSub: userinfo.sub,
    adminWithKey: await readable(fetch(adminUrl, { headers: { "x-api-key": adminKey } })),
    adminWithToken: await readable(fetch(adminUrl, { headers: bearer })),
    adminSimple: await readable(fetch(adminUrl)),
    revoke: await readable(fetch(discovery.revocation_endpoint, {
      method: "POST",
      body: new URLSearchParams({ token: token.access_token, client_id: "spa" }),
    })),
  };
};`;

interface SpaResult {
  readonly jwksKeys: number;
  readonly tokenType: string;
  readonly userinfoSub: string;
  readonly adminWithKey: string;
  readonly adminWithToken: string;
  readonly adminSimple: string;
  readonly revoke: string;
}

before(async () => {
  appServer = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><title>SPA</title><script>${SPA_SCRIPT}</script>`);
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  server = await startTestServer();
  issuer = `${server.config.publicUrl}/${TENANT}`;
  await setUpTenant(server, TENANT, {
    clientId: "spa",
    type: "public",
    extra: { redirect_uris: [`${appOrigin}/callback`, "com.example.spa:/callback"] },
  });
});
after(async () => {
  await server?.close();
  await new Promise((resolve) => appServer?.close(resolve));
});

const preflight = (url: string, origin: string, method: string, headers = "authorization, content-type") =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });

describe("discovery and JWKS: any origin, no credentials", () => {
  for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
    it(`GET ${path}, and its preflight`, async () => {
      const res = await fetch(`${issuer}${path}`, { headers: { origin: STRANGER } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
      assert.equal(res.headers.get("access-control-allow-credentials"), null);
      const alias = await fetch(`${server.config.publicUrl}/oidc/${TENANT}${path}`, { headers: { origin: STRANGER } });
      assert.equal(alias.headers.get("access-control-allow-origin"), "*");

      const pre = await preflight(`${issuer}${path}`, STRANGER, "GET", "x-requested-with");
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get("access-control-allow-origin"), "*");
      assert.equal(pre.headers.get("access-control-allow-methods"), "GET, HEAD");
      assert.equal(pre.headers.get("access-control-allow-headers"), "x-requested-with");
      assert.equal(pre.headers.get("access-control-max-age"), "600");
      assert.equal(pre.headers.get("content-length"), "0");
      // The answer echoes the headers asked for: caches must key it by them too.
      assert.equal(pre.headers.get("vary"), "Origin, Access-Control-Request-Headers");
    });

    it(`GET and HEAD ${path} without Origin (no browser's cross-origin request): no CORS headers, Vary: Origin`, async () => {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${issuer}${path}`, { method });
        assert.equal(res.status, 200, method);
        assert.equal(res.headers.get("vary"), "Origin", method);
        assert.equal(res.headers.get("access-control-allow-origin"), null, method);
        assert.equal(res.headers.get("access-control-expose-headers"), null, method);
      }
      // A preflight without Origin is no preflight: what the path allows.
      const options = await fetch(`${issuer}${path}`, { method: "OPTIONS" });
      assert.equal(options.status, 204);
      assert.equal(options.headers.get("allow"), "GET, HEAD");
      assert.equal(options.headers.get("access-control-allow-origin"), null);
    });
  }
});

describe("token, userinfo, revocation: the origins of the tenant's clients", () => {
  const endpoints: [string, string][] = [
    ["/token", "POST"],
    ["/userinfo", "GET"],
    ["/userinfo", "POST"],
    ["/revoke", "POST"],
  ];
  for (const [path, method] of endpoints) {
    it(`${method} ${path}: a preflight from the app's origin is allowed, without credentials`, async () => {
      for (const base of [issuer, `${server.config.publicUrl}/oidc/${TENANT}`]) {
        const res = await preflight(`${base}${path}`, appOrigin, method);
        assert.equal(res.status, 204);
        assert.equal(res.headers.get("access-control-allow-origin"), appOrigin);
        assert.match(res.headers.get("access-control-allow-methods") ?? "", new RegExp(`\\b${method}\\b`));
        assert.equal(res.headers.get("access-control-allow-headers"), "authorization, content-type, dpop");
        assert.equal(res.headers.get("access-control-allow-credentials"), null);
        assert.equal(res.headers.get("access-control-max-age"), "600");
        assert.match(res.headers.get("access-control-expose-headers") ?? "", /www-authenticate/);
        // The policy names its headers: the answer does not depend on those asked for.
        assert.equal(res.headers.get("vary"), "Origin");
      }
    });

    it(`${method} ${path}: another origin is not allowed`, async () => {
      const res = await preflight(`${issuer}${path}`, STRANGER, method);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.equal(res.headers.get("access-control-allow-methods"), null);
    });
  }

  it("the answers themselves, errors included, are readable by the app's origin only", async () => {
    const token = (origin: string) =>
      fetch(`${issuer}/token`, {
        method: "POST",
        headers: { origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code: "nope", client_id: "spa", code_verifier: "x".repeat(43) }),
      });
    const fromApp = await token(appOrigin);
    assert.equal(fromApp.status, 400);
    assert.equal((await fromApp.json()).error, "invalid_grant");
    assert.equal(fromApp.headers.get("access-control-allow-origin"), appOrigin);
    assert.match(fromApp.headers.get("access-control-expose-headers") ?? "", /www-authenticate/);
    // A browser app using DPoP reads the nonce its next proof must carry (RFC 9449 §8).
    assert.match(fromApp.headers.get("access-control-expose-headers") ?? "", /dpop-nonce/);
    const fromStranger = await token(STRANGER);
    assert.equal(fromStranger.headers.get("access-control-allow-origin"), null);

    const userinfo = await fetch(`${issuer}/userinfo`, { headers: { origin: appOrigin, authorization: "Bearer not-a-token" } });
    assert.equal(userinfo.status, 401);
    assert.equal(userinfo.headers.get("access-control-allow-origin"), appOrigin);
  });

  it("the tenant-less aliases, which name the tenant only in the body, have no CORS", async () => {
    const res = await preflight(`${server.baseUrl}/oidc/token`, appOrigin, "POST");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  it("follows the client's redirect URIs at once when an administrator changes them", async () => {
    const newOrigin = "https://new-home.example";
    const allowed = async (origin: string) =>
      (await preflight(`${issuer}/token`, origin, "POST")).headers.get("access-control-allow-origin") === origin;
    assert.equal(await allowed(newOrigin), false);
    const current = await rest(server, server.adminKey, "GET", `/api/v1/clients/spa?tenant_id=${TENANT}`);
    const { client_id, name, redirect_uris } = current.body as { client_id: string; name: string; redirect_uris: string[] };
    const update = (uris: string[]) =>
      rest(server, server.adminKey, "PUT", "/api/v1/clients/spa", { client_id, tenant_id: TENANT, name, redirect_uris: uris });
    assert.equal((await update([`${newOrigin}/callback`])).status, 200);
    assert.equal(await allowed(newOrigin), true);
    assert.equal(await allowed(appOrigin), false);
    assert.equal((await update(redirect_uris)).status, 200);
    assert.equal(await allowed(appOrigin), true);
  });
});

describe("the admin API: no CORS at all", () => {
  it("a preflight is 404 without CORS headers; an answer carries none, even to a valid key", async () => {
    const pre = await preflight(`${server.baseUrl}/api/v1/tenants/${TENANT}`, appOrigin, "GET", "x-api-key");
    assert.equal(pre.status, 404);
    assert.equal(pre.headers.get("access-control-allow-origin"), null);
    const res = await fetch(`${server.baseUrl}/api/v1/tenants/${TENANT}`, { headers: { origin: appOrigin, "x-api-key": server.adminKey } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });
});

describe("a page on another origin in Chromium", () => {
  let chromium: Chromium;
  before(async () => {
    chromium = await launchChromium();
  });
  after(async () => chromium?.close());

  it("exchanges its code, reads userinfo and revokes with fetch; the admin API stays unreadable", async () => {
    const { verifier, challenge } = await pkcePair();
    const redirectUri = `${appOrigin}/callback`;
    const authorization = authorizeUrl(issuer, {
      response_type: "code",
      client_id: "spa",
      redirect_uri: redirectUri,
      scope: "openid profile",
      state: "s1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const callback = await browserLogin(server, new Browser(), authorization, TENANT);
    const code = callback.searchParams.get("code");
    assert.ok(code, `no code in ${callback}`);

    const page = await chromium.newPage();
    await page.goto(callback.toString());
    const seen = await page.evaluate((params) => (window as unknown as { signIn(p: typeof params): Promise<SpaResult> }).signIn(params), {
      issuer,
      code,
      verifier,
      redirectUri,
      adminUrl: `${server.baseUrl}/api/v1/tenants/${TENANT}`,
      adminKey: server.adminKey,
    });
    assert.ok(seen.jwksKeys > 0);
    assert.equal(seen.tokenType, "Bearer");
    assert.match(String(seen.userinfoSub), /^[0-9a-f-]{36}$/);
    assert.equal(seen.revoke, "read 200");
    assert.deepEqual([seen.adminWithKey, seen.adminWithToken, seen.adminSimple], Array(3).fill("blocked: TypeError"));
    await page.close();
  });
});

describe("ClientOrigins: one query per tenant, until its clients change", () => {
  const setUp = (uris: Record<string, string[]>) => {
    const loads: string[] = [];
    const changes = new ChangeFeed({});
    changes.soleWriter();
    const origins = new ClientOrigins(
      changes,
      async (tenantId) => {
        loads.push(tenantId);
        return uris[tenantId] ?? [];
      },
      { ...DEFAULT_CACHE_BOUNDS, maxEntries: 2 },
    );
    return { origins, loads, changes };
  };

  it("answers from the http(s) redirect URIs' origins, loading each tenant once until one of its clients changes", async () => {
    const { origins, loads, changes } = setUp({ a: ["https://app.example/cb", "http://127.0.0.1:8080/x", "com.example.app:/cb"] });
    const answers = await Promise.all([origins.allows("a", "https://app.example"), origins.allows("a", "http://127.0.0.1:8080")]);
    assert.deepEqual(answers, [true, true]);
    assert.equal(await origins.allows("a", "https://app.example:8443"), false);
    assert.equal(await origins.allows("a", "null"), false);
    assert.deepEqual(loads, ["a"]);
    changes.emit({ table: "client", tenantId: "b" });
    changes.emit({ table: "tenant_key", tenantId: "a" });
    await origins.allows("a", "https://app.example");
    assert.deepEqual(loads, ["a"], "another tenant's clients, or this tenant's keys, leave it");
    changes.emit({ table: "client", tenantId: "a" });
    await origins.allows("a", "https://app.example");
    assert.deepEqual(loads, ["a", "a"]);
  });

  it("keeps at most maxEntries tenants, and never a failed load", async () => {
    const { origins, loads } = setUp({});
    for (const tenant of ["a", "b", "c", "a"]) await origins.allows(tenant, "https://x.example");
    assert.deepEqual(loads, ["a", "b", "c", "a"]);
    let fail = true;
    const flaky = new ClientOrigins(new ChangeFeed({}), async () => {
      if (fail) throw new Error("database down");
      return ["https://x.example/cb"];
    });
    await assert.rejects(flaky.allows("t", "https://x.example"), /database down/);
    fail = false;
    assert.equal(await flaky.allows("t", "https://x.example"), true);
  });
});
