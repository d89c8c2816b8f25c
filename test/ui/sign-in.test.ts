// The hosted sign-in page in headless Chromium: an application using openid-client sends the
// browser to it, the person types a username and taps the PIN, and the browser ends at the
// application's callback, which gets tokens. The secret never appears in any request.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authClient } from "../oidc/support.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "./hosted-ui-fixture.js";

const PIN = "482913";
const SECRET = `pinpat/v1|PIN:${PIN}`;

describe("hosted sign-in page (PIN)", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "notes",
      tenant: {
        display_name: "Notes Inc.",
        register_enable: true,
        use_pin: true,
        pin_size: 6,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: false,
      },
      client: { op_policy_url: "https://notes.example/privacy", op_tos_url: "https://notes.example/terms" },
    });
    await authClient(fixture.server, "notes").register({ username: "alice", secret: SECRET });
  });
  after(async () => fixture?.close());

  it("signs in from the application's login to its callback with tokens, the PIN never sent", async () => {
    const { page, requests, consoleErrors } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await assert.doesNotReject(page.getByRole("heading", { name: "Sign in" }).waitFor());
    assert.ok(await page.getByText("to continue to Notes App").isVisible());
    assert.ok(await page.getByText("Notes Inc.").isVisible());
    assert.equal(await page.getByRole("link", { name: "Privacy" }).getAttribute("href"), "https://notes.example/privacy");

    await enterUsername(page, "alice");
    await tapPin(page, PIN);
    await page.waitForURL((url) => url.pathname === "/callback");
    assert.match(String(await page.locator("#signed-in").textContent()), /Signed in as alice/);

    const signIn = fixture.app.signIns.at(-1);
    assert.ok(signIn);
    assert.equal(signIn.claims.iss, `${fixture.server.config.publicUrl}/notes`);
    assert.equal(signIn.userinfo.sub, signIn.sub);

    for (const request of requests) {
      const sent = `${request.url()}\n${JSON.stringify(await request.allHeaders())}\n${request.postData() ?? ""}`;
      assert.ok(!sent.includes(PIN), `the PIN appears in ${request.method()} ${request.url()}`);
    }
    const origins = new Set(requests.map((r) => new URL(r.url()).origin));
    assert.deepEqual([...origins].sort(), [fixture.app.origin, fixture.server.baseUrl].sort(), "no third-party requests");
    assert.deepEqual(consoleErrors, []);
  });

  it("follows the system's dark colour scheme", async () => {
    const background = async (colorScheme: "light" | "dark") => {
      const { page } = await fixture.newPage({ colorScheme });
      await startAtApplication(fixture, page);
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    };
    assert.equal(await background("light"), "rgb(238, 240, 244)");
    assert.equal(await background("dark"), "rgb(17, 18, 20)");
  });
});
