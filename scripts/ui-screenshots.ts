// Renders the hosted pages in headless Chromium and saves the PNGs the README shows
// (docs/images/). Needs what the tests need: PostgreSQL on 127.0.0.1:5432 and Debian's chromium.
// Usage: npm run screenshots
import { join } from "node:path";
import type { Page } from "playwright-core";
import { authClient } from "../test/oidc/support.js";
import { enterUsername, startAtApplication, startHostedUiFixture, tapPin } from "../test/ui/hosted-ui-fixture.js";

const OUT = join(import.meta.dirname, "..", "docs", "images");

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
  },
  client: { op_policy_url: "https://acme.example/privacy", op_tos_url: "https://acme.example/terms" },
});
try {
  await authClient(fixture.server, "acme").register({
    username: "alice",
    email: "alice@acme.example",
    secret: "pinpat/v1|PIN:482913|PATTERN:0-4-8-5",
  });
  const shoot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(OUT, name), fullPage: true });
    console.log(`docs/images/${name}`);
  };

  const desktop = await fixture.newPage({ viewport: { width: 900, height: 760 } });
  await startAtApplication(fixture, desktop.page);
  await desktop.page.waitForLoadState("networkidle");
  await shoot(desktop.page, "sign-in-username.png");
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
  await shoot(desktop.page, "sign-in-pin.png");

  const phone = await fixture.newPage({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
  await startAtApplication(fixture, phone.page);
  await enterUsername(phone.page, "alice");
  await tapPin(phone.page, "482913");
  await phone.page.locator(".grid").waitFor();
  for (const cell of [0, 4]) await phone.page.locator(`.grid [data-cell="${cell}"]`).click();
  await shoot(phone.page, "sign-in-pattern-360-dark.png");

  const register = await fixture.newPage({ viewport: { width: 900, height: 760 } });
  await startAtApplication(fixture, register.page);
  await register.page.getByRole("link", { name: "Create an account" }).click();
  await register.page.getByLabel("Username").fill("bob");
  await register.page.getByLabel("E-mail address").fill("bob@acme.example");
  await shoot(register.page, "register.png");
} finally {
  await fixture.close();
}
