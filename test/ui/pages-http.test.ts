// The hosted pages as HTTP resources: security headers, what the HTML may contain, escaping of
// everything that comes from a request, the asset files' caching and compression, and the pages
// for requests that cannot be served.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTenant, rest } from "../support/fixtures.js";
import { type TestServer, startTestServer } from "../support/test-server.js";
import type { HostedPageData } from "../../src/ui/page-data.js";

let server: TestServer;

/** The Location of authorize's redirect to the login page, for a fresh authorization request. */
async function loginPageUrl(extra: Record<string, string> = {}): Promise<URL> {
  const authorize = new URL(`${server.baseUrl}/pages/authorize`);
  authorize.search = new URLSearchParams({
    client_id: "pages-app",
    redirect_uri: "http://localhost:4000/callback",
    response_type: "code",
    scope: "openid",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    ...extra,
  }).toString();
  const res = await fetch(authorize, { redirect: "manual" });
  assert.equal(res.status, 302, await res.text());
  return new URL(res.headers.get("location") as string);
}

function pageData(html: string): HostedPageData {
  const json = /<script type="application\/json" id="svault-page">(.*?)<\/script>/s.exec(html)?.[1];
  assert.ok(json, "the page carries its data block");
  return JSON.parse(json) as HostedPageData;
}

describe("hosted pages over HTTP", () => {
  before(async () => {
    server = await startTestServer();
    await createTenant(server, "pages", { display_name: "Pages <b>Co</b>", register_enable: true, use_pin: true, pin_size: 6 });
    const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
      tenant_id: "pages",
      client_id: "pages-app",
      name: "Pages App",
      redirect_uris: ["http://localhost:4000/callback"],
      client_type: "public",
      logo_uri: "https://cdn.pages.example/logo.png",
      flow: { grant_types: ["authorization_code"] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => server?.close());

  it("serves the login page with a strict CSP, no inline script and the request's public data", async () => {
    const url = await loginPageUrl();
    assert.equal(url.pathname, "/ui/login");
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /img-src 'self' data: https:\/\/cdn\.pages\.example(;|$)/, "the client's logo origin, and nothing else");
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script([^>]*)>(.*?)<\/script>/gs)];
    for (const [, attributes, body] of scripts) {
      assert.ok(
        /type="application\/json"/.test(attributes ?? "") || (/src="\/ui\/assets\//.test(attributes ?? "") && body === ""),
        `no inline script: ${attributes}`,
      );
    }
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) {
      assert.match(url ?? "", /^(\/ui\/assets\/|data:)/, "the page loads only its own assets");
    }
    const data = pageData(html);
    assert.equal(data.page, "login");
    assert.equal(data.authReqId, url.searchParams.get("auth_req_id"));
    assert.equal(data.issuer, `${server.config.publicUrl}/pages`);
    assert.equal(data.tenant.pinSize, 6);
    assert.equal(data.client?.name, "Pages App");
    assert.equal(data.registrationOpen, false, "the client does not open registration");
    assert.equal(JSON.stringify(data).includes("secret"), false, "no client secret or key material");
  });

  it("cannot be broken out of: a login_hint with markup stays data", async () => {
    const hint = `</script><script>alert(1)</script><!--`;
    const res = await fetch(await loginPageUrl({ login_hint: hint }));
    const html = await res.text();
    assert.equal(html.match(/<script/g)?.length, 2, "still exactly the module and the data block");
    assert.equal(pageData(html).loginHint, hint);
  });

  it("escapes the error page's text", async () => {
    const res = await fetch(
      `${server.baseUrl}/ui/error?error=invalid_request&error_description=${encodeURIComponent('<img src=x onerror="alert(1)">')}`,
    );
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
  });

  it("explains what went wrong instead of drawing a form that cannot work", async () => {
    const withoutRequest = await fetch(`${server.baseUrl}/ui/login`);
    assert.equal(withoutRequest.status, 400);
    assert.match(await withoutRequest.text(), /Start from your application/);
    const unknownRequest = await fetch(`${server.baseUrl}/ui/login?auth_req_id=nope`);
    assert.equal(unknownRequest.status, 404);
    assert.match(await unknownRequest.text(), /unknown or has expired/);
    const unknownTenant = await fetch(`${server.baseUrl}/ui/register?tenant_id=no-such-tenant`);
    assert.equal(unknownTenant.status, 404);
    const unknownClient = await fetch(`${server.baseUrl}/ui/register?tenant_id=pages&client_id=other`);
    assert.equal(unknownClient.status, 404);
    const logout = await fetch(`${server.baseUrl}/ui/logout?tenant_id=pages&client_id=other`);
    assert.equal(logout.status, 200, "logout still works for an unknown client, without its branding");
  });

  it("serves the assets compressed, immutable, and only the built ones", async () => {
    const html = await (await fetch(await loginPageUrl())).text();
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/ui\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    assert.ok(script && style);
    const brotli = await fetch(`${server.baseUrl}${script}`, { headers: { "accept-encoding": "br" } });
    assert.equal(brotli.status, 200);
    assert.equal(brotli.headers.get("content-encoding"), "br");
    assert.equal(brotli.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(brotli.headers.get("content-type") ?? "", /^text\/javascript/);
    const brotliBody = await brotli.text(); // fetch decodes it
    const identity = await fetch(`${server.baseUrl}${script}`, { headers: { "accept-encoding": "identity" } });
    assert.equal(identity.headers.get("content-encoding"), null);
    assert.equal(await identity.text(), brotliBody);
    const css = await fetch(`${server.baseUrl}${style}`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(css.headers.get("content-encoding"), "gzip");
    assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
    for (const bad of ["/ui/assets/manifest.json", "/ui/assets/..%2Fpackage.json", "/ui/assets/nope.js"]) {
      assert.equal((await fetch(`${server.baseUrl}${bad}`)).status, 404, bad);
    }
  });

  it("logs a page's request at info and its assets' at debug (a page load fetches many)", async () => {
    const { logger } = server.logs;
    const level = logger.level;
    logger.level = "debug";
    try {
      const page = new URL(await loginPageUrl());
      const html = await (await fetch(page)).text();
      const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
      assert.equal((await fetch(`${server.baseUrl}${script}`)).status, 200);
      const requestLine = (path: string) => server.logs.waitForLine((line) => line.msg === "request" && line.path === path);
      assert.equal((await requestLine(page.pathname)).level, 30, "info");
      assert.equal((await requestLine(script)).level, 20, "debug");
    } finally {
      logger.level = level;
    }
  });
});
