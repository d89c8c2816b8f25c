// The authorization endpoint's refusals as a browser and a client see them. Until tenant, client
// and redirect URI check out, the browser goes to the provider's own error page — never to the
// unverified URI; after that, errors go back to the client's redirect URI with `error`,
// `error_description`, `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). Also prompt, max_age,
// locked clients and login_hint.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { authorizeUrl, Browser, browserLogin, pkcePair, REDIRECT_URI, send, setUpTenant } from "./support.js";

const TENANT = "authz";

let server: TestServer;
let issuer: string;
let challenge: string;
/** The server's clock: the real time, unless a test holds it (and moves it on instead of waiting). */
let heldAt: number | undefined;

before(async () => {
  server = await startTestServer({ clock: () => heldAt ?? Date.now() });
  await setUpTenant(server, TENANT, {
    clientId: "webapp",
    extra: { allowed_scopes: ["openid", "profile", "offline_access"] },
  });
  const clients = [
    { client_id: "spa", client_type: "public" },
    { client_id: "locked", is_lock: true },
  ];
  for (const client of clients) {
    const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      tenant_id: TENANT,
      name: client.client_id,
      redirect_uris: [REDIRECT_URI],
      ...client,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  issuer = `${server.config.publicUrl}/${TENANT}`;
  ({ challenge } = await pkcePair());
});
after(() => server.close());

/** A valid request of `webapp`, with `overrides` (an empty string removes a parameter). */
function request(overrides: Record<string, string> = {}, base = issuer): URL {
  const params: Record<string, string> = {
    response_type: "code",
    client_id: "webapp",
    redirect_uri: REDIRECT_URI,
    scope: "openid profile",
    state: "st-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === "") delete params[key];
    else params[key] = value;
  }
  return authorizeUrl(base, params);
}

/** The Location of the 302 that `url` must answer (without a session). */
async function redirectOf(url: URL | string, browser = new Browser()): Promise<URL> {
  const res = await browser.get(url.toString());
  assert.equal(res.status, 302, `expected 302 from ${url}, got ${res.status}: ${await res.text()}`);
  assert.match(res.headers.get("cache-control") ?? "", /no-store/, "authorization answers are not cached");
  return new URL(res.headers.get("location") as string);
}

/** Asserts a redirect to the provider's error page (on the provider's own host) with `error`. */
function assertErrorPage(location: URL, error: string): void {
  assert.equal(location.host, new URL(server.config.publicUrl).host, `the error page is ours, not ${location}`);
  assert.equal(location.pathname, "/ui/error");
  assert.equal(location.searchParams.get("error"), error);
  assert.ok(location.searchParams.get("error_description"), "with a description");
  assert.equal(location.searchParams.get("code"), null);
}

/** Asserts an error sent back to the client (RFC 6749 §4.1.2.1 with RFC 9207's iss). */
function assertClientError(location: URL, error: string, iss = issuer, state = "st-123"): void {
  assert.equal(location.origin + location.pathname, REDIRECT_URI, `back to the client: ${location}`);
  assert.equal(location.searchParams.get("error"), error, location.toString());
  assert.ok(location.searchParams.get("error_description"), "with a description");
  assert.equal(location.searchParams.get("state"), state);
  assert.equal(location.searchParams.get("iss"), iss);
  assert.equal(location.searchParams.get("code"), null);
}

describe("errors before the redirect URI is trusted go to the error page", () => {
  it("unknown client", async () => {
    assertErrorPage(await redirectOf(request({ client_id: "nobody" })), "invalid_client");
  });

  it("missing client_id", async () => {
    assertErrorPage(await redirectOf(request({ client_id: "" })), "invalid_client");
  });

  it("unregistered redirect_uri, never followed", async () => {
    for (const uri of ["https://evil.example/callback", `${REDIRECT_URI}/x`, `${REDIRECT_URI}?a=b`, "http://localhost:4000/CALLBACK"]) {
      const location = await redirectOf(request({ redirect_uri: uri }));
      assertErrorPage(location, "invalid_request");
      assert.notEqual(location.host, "evil.example");
    }
  });

  it("missing redirect_uri", async () => {
    assertErrorPage(await redirectOf(request({ redirect_uri: "" })), "invalid_request");
  });

  it("unknown tenant, on both families and on /oidc/authorize", async () => {
    assertErrorPage(await redirectOf(request({}, `${server.config.publicUrl}/no-such-tenant`)), "invalid_request");
    assertErrorPage(await redirectOf(request({}, `${server.config.publicUrl}/oidc/no-such-tenant`)), "invalid_request");
    const viaQuery = new URL(`${server.baseUrl}/oidc/authorize`);
    viaQuery.search = request({ tenant_id: "no-such-tenant" }).search;
    assertErrorPage(await redirectOf(viaQuery), "invalid_request");
    const withoutTenant = new URL(`${server.baseUrl}/oidc/authorize`);
    withoutTenant.search = request().search;
    assertErrorPage(await redirectOf(withoutTenant), "invalid_request");
  });

  it("the error page answers 400 HTML showing the description", async () => {
    const location = await redirectOf(request({ client_id: "nobody" }));
    const page = await send(location.toString());
    assert.equal(page.status, 400);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.ok((page.body as string).includes(location.searchParams.get("error_description") as string), page.body as string);
  });

  it("the error page escapes what it shows", async () => {
    const url = new URL(`${server.baseUrl}/ui/error`);
    url.search = new URLSearchParams({ error: '<b id="x">', error_description: `<script>alert("x")</script>&'` }).toString();
    const page = await send(url.toString());
    assert.equal(page.status, 400);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = page.body as string;
    assert.doesNotMatch(html, /<script>/);
    assert.doesNotMatch(html, /<b id=/);
    assert.match(html, /&lt;script&gt;alert\(/);
    assert.match(html, /&lt;b id=/);
  });
});

describe("errors after the redirect URI is trusted go back to the client", () => {
  it("response_type other than code → unsupported_response_type", async () => {
    for (const responseType of ["token", "id_token", "code id_token"]) {
      assertClientError(await redirectOf(request({ response_type: responseType })), "unsupported_response_type");
    }
    assertClientError(await redirectOf(request({ response_type: "" })), "unsupported_response_type");
  });

  it("a response_mode other than query → invalid_request", async () => {
    assertClientError(await redirectOf(request({ response_mode: "fragment" })), "invalid_request");
    assertClientError(await redirectOf(request({ response_mode: "form_post" })), "invalid_request");
  });

  it("a scope outside the client's allowed_scopes → invalid_scope", async () => {
    assertClientError(await redirectOf(request({ scope: "openid email" })), "invalid_scope");
    assertClientError(await redirectOf(request({ scope: "openid admin" })), "invalid_scope");
  });

  it("code_challenge_method=plain → invalid_request", async () => {
    assertClientError(await redirectOf(request({ code_challenge_method: "plain" })), "invalid_request");
  });

  it("a malformed code_challenge → invalid_request", async () => {
    for (const bad of ["short", `${challenge}A`, `${challenge.slice(0, 42)}+`, `${challenge.slice(0, 42)}=`]) {
      assertClientError(await redirectOf(request({ code_challenge: bad })), "invalid_request");
    }
  });

  it("a public client without PKCE → invalid_request", async () => {
    assertClientError(await redirectOf(request({ client_id: "spa", code_challenge: "", code_challenge_method: "" })), "invalid_request");
  });

  it("an invalid prompt → invalid_request", async () => {
    assertClientError(await redirectOf(request({ prompt: "bogus" })), "invalid_request");
    assertClientError(await redirectOf(request({ prompt: "none login" })), "invalid_request");
  });

  it("prompt=none without a session → login_required", async () => {
    assertClientError(await redirectOf(request({ prompt: "none" })), "login_required");
  });

  it("a locked client → unauthorized_client", async () => {
    assertClientError(await redirectOf(request({ client_id: "locked" })), "unauthorized_client");
  });

  it("on the alias family, iss names the alias issuer", async () => {
    const alias = `${server.config.publicUrl}/oidc/${TENANT}`;
    assertClientError(await redirectOf(request({ prompt: "none" }, alias)), "login_required", alias);
  });

  it("a request without state gets its error without state", async () => {
    const location = await redirectOf(request({ response_type: "token", state: "" }));
    assert.equal(location.searchParams.get("error"), "unsupported_response_type");
    assert.equal(location.searchParams.has("state"), false);
    assert.equal(location.searchParams.get("iss"), issuer);
  });
});

describe("login page, prompt and max_age", () => {
  it("passes login_hint to the login page", async () => {
    const location = await redirectOf(request({ login_hint: "alice@example.com" }));
    assert.equal(location.host, new URL(server.config.publicUrl).host);
    assert.equal(location.pathname, "/ui/login");
    assert.ok(location.searchParams.get("auth_req_id"));
    assert.equal(location.searchParams.get("login_hint"), "alice@example.com");
  });

  it("with a session: SSO by default, prompt=none answers a code, prompt=login and an exceeded max_age ask to sign in again", async () => {
    const browser = new Browser();
    const first = await browserLogin(server, browser, request(), TENANT);
    assert.ok(first.searchParams.get("code"), `signed in: ${first}`);

    const sso = await redirectOf(request(), browser);
    assert.ok(sso.searchParams.get("code"), `SSO: ${sso}`);
    const silent = await redirectOf(request({ prompt: "none" }), browser);
    assert.ok(silent.searchParams.get("code"), `prompt=none with a session: ${silent}`);
    assert.equal(silent.searchParams.get("iss"), issuer);

    for (const prompt of ["login", "select_account"]) {
      const again = await redirectOf(request({ prompt }), browser);
      assert.equal(again.pathname, "/ui/login", `prompt=${prompt} asks again, not SSO: ${again}`);
      assert.equal(again.searchParams.get("code"), null);
    }

    heldAt = Date.now();
    try {
      const generous = await redirectOf(request({ max_age: "3600" }), browser);
      assert.ok(generous.searchParams.get("code"), `within max_age: ${generous}`);
      heldAt += 1100;
      const stale = await redirectOf(request({ max_age: "0" }), browser);
      assert.equal(stale.pathname, "/ui/login", `max_age exceeded: ${stale}`);
      const staleSilent = await redirectOf(request({ max_age: "0", prompt: "none" }), browser);
      assertClientError(staleSilent, "login_required");

      // Signing in again refreshes auth_time: max_age=1 is then satisfied, and no longer once the clock moves past it.
      const relogin = await browserLogin(server, browser, request({ prompt: "login" }), TENANT);
      assert.ok(relogin.searchParams.get("code"), `signed in again: ${relogin}`);
      const fresh = await redirectOf(request({ max_age: "1" }), browser);
      assert.ok(fresh.searchParams.get("code"), `fresh after a new login: ${fresh}`);
      heldAt += 1001;
      const aged = await redirectOf(request({ max_age: "1" }), browser);
      assert.equal(aged.pathname, "/ui/login", `a second and a millisecond later: ${aged}`);
    } finally {
      heldAt = undefined;
    }
  });
});
