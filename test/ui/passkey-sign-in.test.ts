// The hosted sign-in page with passkeys, in headless Chromium with its virtual authenticator: the
// passkey offered in the username field's autofill signs in at once; the "Sign in with a passkey"
// button does where the browser has no autofill for passkeys; a cancelled ceremony and a browser
// without WebAuthn get their own words, and the PIN stays available.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { registerPasskey } from "../passkeys/passkey-ceremonies.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "../passkeys/virtual-authenticator.js";
import { rest, seedUserWithKey } from "../support/fixtures.js";
import { alertAfter, assertLandsSignedIn, type HostedUiFixture, startAtApplication, startHostedUiFixture } from "./hosted-ui-fixture.js";

describe("hosted sign-in page (passkeys)", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "notes",
      tenant: { display_name: "Notes Inc.", passkey_enabled: true, use_pin: true, pin_size: 6, use_pattern: false, login_order: ["PIN"] },
      publicHost: "localhost",
    });
  });
  after(async () => fixture?.close());

  /** A browser whose authenticator holds a passkey of a new user; `withoutAutofill`: a browser that has no conditional mediation. */
  async function personWithPasskey(
    options: { withoutAutofill?: boolean } = {},
  ): Promise<{ page: Page; username: string; authenticator: VirtualAuthenticator }> {
    const user = await seedUserWithKey(fixture.server, "notes", [], ["profile"]);
    const username = ((await rest(fixture.server, user.key, "GET", "/api/v1/users/me")).body as { username: string }).username;
    const { page, context } = await fixture.newPage();
    if (options.withoutAutofill) {
      await context.addInitScript(() => {
        PublicKeyCredential.isConditionalMediationAvailable = async () => false;
      });
    }
    await page.goto(`${fixture.server.config.publicUrl}/health`);
    const authenticator = await addVirtualAuthenticator(page);
    assert.equal((await registerPasskey(page, user.key)).status, 200);
    return { page, username, authenticator };
  }

  it("signs in from the username field's autofill, without typing anything", async () => {
    const { page, username } = await personWithPasskey();
    // The autofill signs in as soon as the page is up, and the page leaves for the application: its
    // verify call is held until the username field has been looked at (read after the page left,
    // the field would be waited for forever).
    let fieldRead = () => {};
    const held = new Promise<void>((resolve) => {
      fieldRead = resolve;
    });
    await page.route("**/api/v1/passkeys/auth/verify**", async (route) => {
      await held;
      await route.continue();
    });
    await startAtApplication(fixture, page);
    assert.equal(await page.getByLabel("Username").getAttribute("autocomplete"), "username webauthn");
    fieldRead();
    await assertLandsSignedIn(fixture, page, username);
    assert.deepEqual(fixture.app.signIns.at(-1)?.claims.amr, ["hwk", "user"]);
  });

  it("signs in with the button, username-first or usernameless", async () => {
    for (const typed of [true, false]) {
      const { page, username } = await personWithPasskey({ withoutAutofill: true });
      await startAtApplication(fixture, page);
      if (typed) await page.getByLabel("Username").fill(username);
      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await assertLandsSignedIn(fixture, page, username);
    }
  });

  it("says so when the person does not complete the passkey, and keeps the PIN way open", async () => {
    const { page, authenticator } = await personWithPasskey({ withoutAutofill: true });
    await authenticator.setUserVerified(false);
    await startAtApplication(fixture, page);
    const message = await alertAfter(page, () => page.getByRole("button", { name: "Sign in with a passkey" }).click());
    assert.match(message, /No passkey was used/);
    assert.ok(await page.getByRole("button", { name: "Continue" }).isVisible());
  });

  it("says so when the browser cannot use passkeys", async () => {
    const { page, context } = await fixture.newPage();
    await context.addInitScript(() => {
      Reflect.deleteProperty(window, "PublicKeyCredential");
    });
    await startAtApplication(fixture, page);
    const message = await alertAfter(page, () => page.getByRole("button", { name: "Sign in with a passkey" }).click());
    assert.match(message, /This browser cannot use passkeys/);
  });
});
