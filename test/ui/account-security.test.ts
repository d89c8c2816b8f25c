// The hosted account area in headless Chromium with its virtual authenticator, against the real
// service and an openid-client application: the offer to add a passkey after a PIN sign-in (add,
// sign out, sign in with the passkey; "Not now" remembered), the Security page (list, rename,
// remove; "Confirm it is you" once the sign-in is old; the last passkey an account needs stays),
// and the account calls refused without this session's CSRF token and Origin, for another
// user's passkey, and with a session of another tenant.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { authClient } from "../oidc/support.js";
import { registerPasskey } from "../passkeys/passkey-ceremonies.js";
import { addVirtualAuthenticator } from "../passkeys/virtual-authenticator.js";
import { createTenant, rest, seedUserWithKey } from "../support/fixtures.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "./hosted-ui-fixture.js";

const PIN = "482913";
const SESSION_COOKIE = "svault_session";

describe("hosted account area: passkey offer and Security page", () => {
  let fixture: HostedUiFixture;
  let now = Date.now();

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "notes",
      tenant: {
        display_name: "Notes Inc.",
        register_enable: true,
        has_username_and_email: false,
        passkey_enabled: true,
        use_pin: true,
        pin_size: 6,
        use_pattern: false,
        login_order: ["PIN"],
      },
      publicHost: "localhost",
      clock: () => now,
    });
    await createTenant(fixture.server, "other", { passkey_enabled: true });
  });
  after(async () => fixture?.close());

  /** A browser without passkey autofill (so that the page waits for the button), with a virtual authenticator. */
  async function browserWithAuthenticator(): Promise<{ page: Page; context: BrowserContext }> {
    const { page, context } = await fixture.newPage();
    await context.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    await page.goto(`${fixture.server.config.publicUrl}/health`);
    await addVirtualAuthenticator(page);
    return { page, context };
  }

  async function newUser(username: string): Promise<void> {
    await authClient(fixture.server, "notes").register({ username, secret: `pinpat/v1|PIN:${PIN}` });
  }

  async function signInWithPin(page: Page, username: string): Promise<void> {
    await startAtApplication(fixture, page);
    await enterUsername(page, username);
    await tapPin(page, PIN);
  }

  const securityPage = (page: Page, tenantId = "notes") =>
    page.goto(`${fixture.server.config.publicUrl}/ui/account/security?tenant_id=${tenantId}`);
  const passkeyNames = (page: Page) => page.locator("[data-passkey] h3").allTextContents();

  it("offers a passkey after a PIN sign-in; the passkey added there signs in after signing out", async () => {
    await newUser("alice");
    const { page } = await browserWithAuthenticator();
    await signInWithPin(page, "alice");
    await page.waitForURL((url) => url.pathname === "/ui/account/passkey-offer");
    await page.getByRole("heading", { name: "Sign in faster next time" }).waitFor();
    assert.equal(fixture.app.signIns.length, 0, "the application has no code yet");

    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey is ready").waitFor();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    assert.equal(fixture.app.signIns.at(-1)?.userinfo.preferred_username, "alice");
    assert.deepEqual(fixture.app.signIns.at(-1)?.claims.amr, ["pin"]);

    await page.goto(`${fixture.app.origin}/logout`);
    await page.waitForURL((url) => url.pathname === "/bye");
    await startAtApplication(fixture, page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    assert.equal(fixture.app.signIns.at(-1)?.userinfo.preferred_username, "alice");
    assert.deepEqual(fixture.app.signIns.at(-1)?.claims.amr, ["hwk", "user"]);
  });

  it("remembers 'Not now' in this browser: the next sign-in goes straight to the application", async () => {
    await newUser("carol");
    const { page } = await browserWithAuthenticator();
    await signInWithPin(page, "carol");
    await page.getByRole("link", { name: "Not now" }).click();
    // The application's own page says who signed in (it records the sign-in before it answers).
    await page.getByRole("heading", { name: "Signed in as carol" }).waitFor();
    assert.equal(fixture.app.signIns.at(-1)?.userinfo.preferred_username, "carol");
    await startAtApplication(fixture, page, "?prompt=login");
    await enterUsername(page, "carol");
    await tapPin(page, PIN);
    await page.waitForURL((url) => url.pathname === "/callback");
  });

  it("lists, adds, renames and removes passkeys on the Security page, asking 'Confirm it is you' once the sign-in is old", async () => {
    await newUser("dave");
    const { page } = await browserWithAuthenticator();
    await signInWithPin(page, "dave");
    await page.getByRole("link", { name: "Not now" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");

    await securityPage(page);
    await page.getByRole("heading", { name: "Security" }).waitFor();
    assert.ok(await page.getByText("You have no passkeys yet.").isVisible());
    assert.ok(await page.getByText("This browser").isVisible(), "the session is listed");

    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Passkey added: Passkey.").waitFor();
    assert.deepEqual(await passkeyNames(page), ["Passkey"]);
    assert.ok(await page.getByText("Not used yet").isVisible());

    await page.getByRole("button", { name: "Rename: Passkey" }).click();
    await page.getByLabel("Name of the passkey").fill("Work laptop");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("The passkey is now called Work laptop.").waitFor();
    assert.deepEqual(await passkeyNames(page), ["Work laptop"]);
    await page.reload();
    assert.deepEqual(await passkeyNames(page), ["Work laptop"], "the new name is stored");

    // Ten minutes later the sign-in is no longer recent: removing asks for the PIN first.
    now += 10 * 60_000;
    try {
      await page.getByRole("button", { name: "Remove: Work laptop" }).click();
      await page.getByRole("button", { name: "Remove", exact: true }).click();
      await page.getByRole("heading", { name: "Confirm it is you" }).waitFor();
      await tapPin(page, PIN);
      await page.getByText("The passkey Work laptop was removed.").waitFor();
      assert.ok(await page.getByText("You have no passkeys yet.").isVisible());
    } finally {
      now -= 10 * 60_000;
    }
  });

  it("refuses to remove the last passkey of an account that has nothing else to sign in with", async () => {
    const user = await seedUserWithKey(fixture.server, "notes", [], ["profile"]);
    const { page } = await browserWithAuthenticator();
    assert.equal((await registerPasskey(page, user.key)).status, 200);
    await startAtApplication(fixture, page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");

    await securityPage(page);
    const [name] = await passkeyNames(page);
    await page.getByRole("button", { name: `Remove: ${name}` }).click();
    await page.getByRole("button", { name: "Remove", exact: true }).click();
    await page.getByText("This is your last passkey, and your account has no other way to sign in.").waitFor();
    assert.deepEqual(await passkeyNames(page), [name as string], "still listed");
    const listed = await rest(fixture.server, user.key, "GET", "/api/v1/users/me/passkeys");
    assert.equal((listed.body as { passkeys: unknown[] }).passkeys.length, 1, "still stored");
  });

  it("says 'You are not signed in' without a session", async () => {
    const { page } = await fixture.newPage();
    const response = await securityPage(page);
    assert.equal(response?.status(), 401);
    assert.ok(await page.getByRole("heading", { name: "You are not signed in" }).isVisible());
  });

  it("refuses account calls without this session's CSRF token or Origin, for another user's passkey, and in another tenant", async () => {
    await newUser("erin");
    const { page, context } = await browserWithAuthenticator();
    await signInWithPin(page, "erin");
    await page.getByRole("link", { name: "Not now" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    await securityPage(page);
    const token = await page.evaluate(
      () => JSON.parse(document.getElementById("svault-page")?.textContent ?? "{}").account.csrfToken as string,
    );
    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)?.value as string;
    assert.ok(token && cookie);

    // Someone else's passkey: frank's, in the same tenant.
    const frank = await seedUserWithKey(fixture.server, "notes", [], ["profile"]);
    assert.equal((await registerPasskey(page, frank.key, "Frank's phone")).status, 200);
    const frankKey = (
      (await rest(fixture.server, frank.key, "GET", "/api/v1/users/me/passkeys")).body as { passkeys: { key_id: string }[] }
    ).passkeys[0]?.key_id as string;

    const origin = fixture.server.config.publicUrl;
    const call = (path: string, init: { method: string; headers?: Record<string, string>; body?: unknown }, tenantId = "notes") =>
      fetch(`${fixture.server.baseUrl}/ui/account/api/${path}?tenant_id=${tenantId}`, {
        method: init.method,
        headers: { "content-type": "application/json", cookie: `${SESSION_COOKIE}=${cookie}`, ...init.headers },
        body: JSON.stringify(init.body ?? {}),
      });
    const good = { origin, "x-svault-csrf": token };
    const rename = { method: "PATCH", body: { name: "Mine now" } };

    const noToken = await call(`passkeys/${frankKey}`, { ...rename, headers: { origin } });
    assert.equal(noToken.status, 403);
    const wrongToken = await call(`passkeys/${frankKey}`, { ...rename, headers: { origin, "x-svault-csrf": `${token.slice(1)}x` } });
    assert.equal(wrongToken.status, 403);
    const crossSite = await call(`passkeys/${frankKey}`, {
      ...rename,
      headers: { origin: "https://evil.example", "x-svault-csrf": token },
    });
    assert.equal(crossSite.status, 403);
    const noCookie = await fetch(`${fixture.server.baseUrl}/ui/account/api/passkeys/options?tenant_id=notes`, {
      method: "POST",
      headers: { "content-type": "application/json", ...good },
      body: "{}",
    });
    assert.equal(noCookie.status, 401);

    const othersPasskey = await call(`passkeys/${frankKey}`, { ...rename, headers: good });
    assert.equal(othersPasskey.status, 404);
    const othersRemoved = await call(`passkeys/${frankKey}`, { method: "DELETE", headers: good });
    assert.equal(othersRemoved.status, 404);
    const otherTenant = await call("passkeys/options", { method: "POST", headers: good }, "other");
    assert.equal(otherTenant.status, 401);
    const frankAfter = (await rest(fixture.server, frank.key, "GET", "/api/v1/users/me/passkeys")).body as { passkeys: { name: string }[] };
    assert.deepEqual(
      frankAfter.passkeys.map((p) => p.name),
      ["Frank's phone"],
      "nothing changed",
    );

    // The same session and token do work on the session's own tenant.
    const own = await call("passkeys/options", { method: "POST", headers: good });
    assert.equal(own.status, 200);
    // The other tenant's Security page does not know this session either.
    assert.equal((await securityPage(page, "other"))?.status(), 401);
    assert.ok(await page.getByRole("heading", { name: "You are not signed in" }).isVisible());
  });
});
