// A tenant's branding of the hosted pages, overridden by a client: set through the admin API
// (refused with 422 when a colour would make text unreadable or a link is not https), applied in
// headless Chromium — logo, colours, links — without weakening the Content-Security-Policy: the
// colours come in a stylesheet the service serves (cacheable, with an ETag), no element has a style
// attribute, and the browser reports no CSP violation.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTenant, rest } from "../support/fixtures.js";
import { type HostedUiFixture, startAtApplication, startHostedUiFixture } from "./hosted-ui-fixture.js";

const LOGO = "https://brand.example/logo.svg";
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b6e4f"/></svg>';

describe("hosted pages: branding", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "brand",
      tenant: {
        display_name: "Brand Co",
        use_pin: true,
        pin_size: 4,
        use_pattern: false,
        login_order: ["PIN"],
        logo_uri: LOGO,
        primary_color: "#0b6e4f",
        background_color: "#fdf6e3",
        support_uri: "https://brand.example/help",
        privacy_policy_uri: "https://brand.example/privacy",
        terms_of_service_uri: "https://brand.example/terms",
      },
      // The client keeps the tenant's logo and links but has its own colour and privacy policy.
      client: { primary_color: "#7a1f5c", op_policy_url: "https://app.brand.example/privacy" },
    });
  });
  after(async () => fixture?.close());

  it("refuses colours that make text unreadable and links that are not https, naming the field", async () => {
    const refused = async (path: string, method: string, body: Record<string, unknown>) => {
      const res = await rest(fixture.server, fixture.server.adminKey, method, path, body);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      return JSON.stringify(res.body);
    };
    const yellow = await refused("/api/v1/tenants", "POST", { tenant_id: "pale", primary_color: "#ffcc00" });
    assert.match(yellow, /primary_color/);
    assert.match(yellow, /contrast of 1\.\d\d:1 against the white text.*at least 4\.5:1/);
    assert.match(
      await refused("/api/v1/tenants", "POST", { tenant_id: "plain", logo_uri: "http://plain.example/logo.png" }),
      /logo_uri must be an https URL/,
    );
    assert.match(await refused("/api/v1/tenants", "POST", { tenant_id: "named", primary_color: "green" }), /primary_color/);
    assert.match(await refused("/api/v1/tenants/brand", "PUT", { support_uri: "javascript:alert(1)" }), /support_uri must be an https URL/);
    const client = await rest(fixture.server, fixture.server.adminKey, "GET", `/api/v1/clients/${fixture.clientId}?tenant_id=brand`);
    const settings = client.body as Record<string, unknown>;
    assert.match(
      await refused(`/api/v1/clients/${fixture.clientId}?tenant_id=brand`, "PUT", {
        ...settings,
        tenant_id: "brand",
        primary_color: "#b0b0b0",
      }),
      /primary_color/,
    );
    // Nothing changed.
    const tenant = await rest(fixture.server, fixture.server.adminKey, "GET", "/api/v1/tenants/brand");
    assert.equal((tenant.body as { support_uri: string }).support_uri, "https://brand.example/help");
    assert.equal((await rest(fixture.server, fixture.server.adminKey, "GET", "/api/v1/tenants/pale")).status, 404);
    await createTenant(fixture.server, "fine", { primary_color: "#1d4ed8", default_locale: "ja" });
  });

  it("draws the brand — logo, the client's colour over the tenant's, background, links — and the CSP holds", async () => {
    const { page, context } = await fixture.newPage();
    await context.route(LOGO, (route) => route.fulfill({ contentType: "image/svg+xml", body: LOGO_SVG }));
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const response = page.waitForResponse((r) => new URL(r.url()).pathname === "/ui/login");
    await startAtApplication(fixture, page);
    const csp = (await response).headers()["content-security-policy"] ?? "";
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /img-src 'self' data: https:\/\/brand\.example(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await page.getByLabel("Username").waitFor();

    const drawn = await page.evaluate(() => {
      const logo = document.querySelector(".brand .logo") as HTMLImageElement;
      return {
        logo: { src: logo.src, loaded: logo.complete && logo.naturalWidth > 0, alt: logo.alt },
        name: document.querySelector(".brand-name")?.textContent,
        button: getComputedStyle(document.querySelector("button.primary") as HTMLElement).backgroundColor,
        buttonText: getComputedStyle(document.querySelector("button.primary") as HTMLElement).color,
        background: getComputedStyle(document.body).backgroundColor,
        styled: document.querySelectorAll("[style]").length,
        stylesheets: [...document.styleSheets].map((sheet) => sheet.href && new URL(sheet.href).pathname),
        violations: (window as unknown as { cspViolations: string[] }).cspViolations,
      };
    });
    assert.deepEqual(drawn.logo, { src: LOGO, loaded: true, alt: "Brand Co logo" });
    assert.equal(drawn.name, "Brand Co");
    assert.equal(drawn.button, "rgb(122, 31, 92)", "the client's colour");
    assert.equal(drawn.buttonText, "rgb(255, 255, 255)");
    assert.equal(drawn.background, "rgb(253, 246, 227)", "the tenant's background");
    assert.equal(drawn.styled, 0, "no style attributes");
    assert.equal(drawn.stylesheets.length, 2);
    assert.ok(drawn.stylesheets.includes("/ui/brand.css"));
    assert.deepEqual(drawn.violations, []);
    const links = page.getByRole("navigation", { name: "Help and policies" });
    assert.equal(await links.getByRole("link", { name: "Help" }).getAttribute("href"), "https://brand.example/help");
    assert.equal(await links.getByRole("link", { name: "Privacy" }).getAttribute("href"), "https://app.brand.example/privacy");
    assert.equal(await links.getByRole("link", { name: "Terms" }).getAttribute("href"), "https://brand.example/terms");
  });

  it("keeps links readable on the dark card with a lighter mix of the brand colour", async () => {
    const { page } = await fixture.newPage({ colorScheme: "dark" });
    await startAtApplication(fixture, page);
    await page.getByLabel("Username").waitFor();
    const colours = await page.evaluate(() => ({
      link: getComputedStyle(document.querySelector(".links a") as HTMLElement).color,
      button: getComputedStyle(document.querySelector("button.primary") as HTMLElement).backgroundColor,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    assert.equal(colours.button, "rgb(122, 31, 92)", "buttons keep the brand colour with white text");
    assert.notEqual(colours.link, "rgb(122, 31, 92)", "links use a lighter mix");
    assert.equal(colours.background, "rgb(17, 18, 20)", "the dark scheme keeps its own background");
  });

  it("serves the brand stylesheet for a year under its content hash, and revalidates any other version", async () => {
    const html = await (await fetch(`${fixture.server.baseUrl}/ui/register?tenant_id=brand&client_id=${fixture.clientId}`)).text();
    const href = /href="(\/ui\/brand\.css\?[^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    assert.ok(href, "the page links the stylesheet");
    const current = await fetch(`${fixture.server.baseUrl}${href}`);
    assert.equal(current.status, 200);
    assert.match(current.headers.get("content-type") ?? "", /^text\/css/);
    assert.equal(current.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const css = await current.text();
    assert.match(css, /--button:#7a1f5c/);
    assert.match(css, /--bg:#fdf6e3/);
    const etag = current.headers.get("etag") ?? "";
    const again = await fetch(`${fixture.server.baseUrl}${href}`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    const stale = await fetch(`${fixture.server.baseUrl}/ui/brand.css?tenant_id=brand&v=old`);
    assert.equal(stale.headers.get("cache-control"), "no-cache");
    assert.match(await stale.text(), /--button:#0b6e4f/, "the tenant's own colours without the client");
    assert.equal((await fetch(`${fixture.server.baseUrl}/ui/brand.css?tenant_id=nope`)).status, 404);
  });
});
