// Renders the hosted pages in headless Chromium and saves the PNGs the README and
// docs/hosted-ui.md show (docs/images/): the sign-in steps, registration, the failure states, and
// the PIN step in each language. Needs what the tests need: PostgreSQL on 127.0.0.1:5432 and
// Debian's chromium, and a Japanese font for the Japanese page (apt-get install
// fonts-ipafont-gothic). The tenant's logo is served to the browser by Playwright (the machine has
// no network). Usage: npm run screenshots
import { join } from "node:path";
import type { Page } from "playwright-core";
import { SUPPORTED_LOCALES } from "../src/i18n/locales.js";
import { executeSql } from "../src/persistence/execute-sql.js";
import { authClient } from "../test/oidc/support.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "../test/ui/hosted-ui-fixture.js";

const OUT = join(import.meta.dirname, "..", "docs", "images");
const LOGO = "https://acme.example/logo.svg";
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="#0b6e4f"/>' +
  '<path d="M11 29 20 10l9 19h-5l-4-9-4 9Z" fill="#fff"/></svg>';

const fixture = await startHostedUiFixture({
  tenantId: "acme",
  tenant: {
    display_name: "Acme Corp",
    register_enable: true,
    use_pin: true,
    pin_size: 6,
    use_pattern: true,
    patter_size: 3,
    login_order: ["PIN", "PATTERN"],
    has_username_and_email: true,
    logo_uri: LOGO,
    primary_color: "#0b6e4f",
    support_uri: "https://acme.example/help",
    privacy_policy_uri: "https://acme.example/privacy",
    terms_of_service_uri: "https://acme.example/terms",
    block_config: { user_free_attempts: 3, user_block_after: 6, block_seconds: 900 },
  },
});

/** A fresh browser page that gets the tenant's logo from Playwright instead of the network. */
async function newPage(options: Parameters<HostedUiFixture["newPage"]>[0]) {
  const recorded = await fixture.newPage(options);
  await recorded.page.route(LOGO, (route) => route.fulfill({ contentType: "image/svg+xml", body: LOGO_SVG }));
  return recorded;
}

const shoot = async (page: Page, name: string, fullPage = true) => {
  await page.screenshot({ path: join(OUT, name), fullPage });
  console.log(`docs/images/${name}`);
};

try {
  for (const username of ["alice", "bob"]) {
    await authClient(fixture.server, "acme").register({
      username,
      email: `${username}@acme.example`,
      secret: "pinpat/v1|PIN:482913|PATTERN:0-4-8-5",
    });
  }

  const desktop = await newPage({ viewport: { width: 1000, height: 720 } });
  await startAtApplication(fixture, desktop.page);
  await desktop.page.waitForLoadState("networkidle");
  await shoot(desktop.page, "sign-in-username.png", false);
  // What a first visit to the sign-in page downloads from the service (the SDK chunk included,
  // which the page fetches while the username is typed), as sent on the wire.
  let wire = 0;
  for (const request of desktop.requests) {
    if (!request.url().startsWith(fixture.server.baseUrl)) continue;
    const sizes = await request.sizes();
    wire += sizes.responseBodySize + sizes.responseHeadersSize;
  }
  console.log(`sign-in page, first visit: ${(wire / 1024).toFixed(1)} KiB transferred`);
  await enterUsername(desktop.page, "alice");
  await tapPin(desktop.page, "48");
  await shoot(desktop.page, "sign-in-pin.png", false);

  const phone = await newPage({ viewport: { width: 360, height: 640 }, colorScheme: "dark" });
  await startAtApplication(fixture, phone.page);
  await enterUsername(phone.page, "alice");
  await tapPin(phone.page, "482913");
  await phone.page.locator(".grid").waitFor();
  for (const cell of [0, 4]) await phone.page.locator(`.grid [data-cell="${cell}"]`).click();
  await shoot(phone.page, "sign-in-pattern-360-dark.png", false);

  // A wrong PIN on a phone: the alert and the whole keypad on one 360×640 screen.
  const wrong = await newPage({ viewport: { width: 360, height: 640 } });
  await startAtApplication(fixture, wrong.page);
  await enterUsername(wrong.page, "bob");
  await tapPin(wrong.page, "111111");
  await wrong.page.locator(".grid").waitFor();
  for (const cell of [0, 1, 2, 5]) await wrong.page.locator(`.grid [data-cell="${cell}"]`).click();
  await wrong.page.getByRole("button", { name: "Continue" }).click();
  await wrong.page.getByRole("alert").waitFor();
  await wrong.page.getByRole("group", { name: "PIN keypad" }).waitFor();
  await shoot(wrong.page, "sign-in-wrong-360.png", false);

  // Blocked: bob's count pushed past the tenant's limit by hand.
  await executeSql(
    fixture.server.running.database.orm.em.fork(),
    `insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until)
     values ('acme', 'bob', 6, 'too many failed logins', now(), now() + interval '15 minutes')`,
    [],
    "run",
  );
  await tapPin(wrong.page, "482913");
  await wrong.page.locator(".grid").waitFor();
  for (const cell of [0, 4, 8, 5]) await wrong.page.locator(`.grid [data-cell="${cell}"]`).click();
  await wrong.page.getByRole("button", { name: "Continue" }).click();
  await wrong.page.getByRole("heading", { name: "Signing in is paused" }).waitFor();
  await shoot(wrong.page, "sign-in-blocked-360.png", false);

  const register = await newPage({ viewport: { width: 1000, height: 760 } });
  await startAtApplication(fixture, register.page);
  await register.page.getByRole("link", { name: "Create an account" }).click();
  await register.page.getByLabel("Username").fill("carol");
  await register.page.getByLabel("E-mail address").fill("carol@acme.example");
  await shoot(register.page, "register.png", false);

  const error = await newPage({ viewport: { width: 1000, height: 640 } });
  await error.page.goto(`${fixture.app.origin}/login?redirect_uri=https://evil.example/callback`);
  await error.page.waitForURL((url) => url.pathname === "/ui/error");
  await error.page.locator("summary").click();
  await shoot(error.page, "error-page.png", false);

  for (const locale of SUPPORTED_LOCALES) {
    const { page } = await newPage({ viewport: { width: 360, height: 640 } });
    await startAtApplication(fixture, page, `?ui_locales=${locale}`);
    await page.getByRole("textbox").fill("alice");
    await page.locator("form button[type=submit]").click();
    await page.locator(".keypad").waitFor();
    await page.locator('.keypad [data-digit="4"]').click();
    await shoot(page, `sign-in-pin-${locale}.png`, false);
  }
} finally {
  await fixture.close();
}
