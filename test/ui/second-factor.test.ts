// The hosted sign-in page on a 2FA tenant, in headless Chromium: after a correct PIN the page goes
// on to the second-factor step instead of finishing, and says which factor is needed; Sign In
// sends a browser that skipped it back to that step. The passkey itself is the stand-in of #102
// (test/oidc/stand-in-passkey.ts); the passkey ceremony on the page is the passkeys work's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authClient } from "../oidc/support.js";
import { standInPasskeyNonce } from "../oidc/stand-in-passkey.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "./hosted-ui-fixture.js";

const PIN = "482913";

describe("hosted sign-in page on a 2FA tenant", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "vault",
      tenant: {
        display_name: "Vault Inc.",
        register_enable: true,
        use_pin: true,
        pin_size: 6,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: false,
        is_2fa: true,
        passkey_enabled: true,
      },
    });
    await authClient(fixture.server, "vault").register({ username: "alice", secret: `pinpat/v1|PIN:${PIN}` });
  });
  after(async () => fixture?.close());

  it("continues to the passkey step after the PIN, and signs in once the passkey step is done", async () => {
    const { page, consoleErrors } = await fixture.newPage();
    await startAtApplication(fixture, page);
    const authReqId = new URL(page.url()).searchParams.get("auth_req_id") as string;
    await enterUsername(page, "alice");
    await tapPin(page, PIN);

    await page.getByRole("heading", { name: "One more step" }).waitFor();
    assert.ok(await page.getByText("confirm it is you with your passkey").isVisible());
    assert.equal(new URL(page.url()).pathname, "/ui/login", "the page did not finish the sign-in");
    assert.equal(fixture.app.signIns.length, 0);

    // The passkey step (#102's nonce), then Sign In as the passkey UI will send it.
    const nonce = await standInPasskeyNonce(fixture.server, { tenantId: "vault", username: "alice", authReqId });
    await page.goto(`${fixture.server.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`);
    await page.waitForURL((url) => url.pathname === "/callback");
    const signIn = fixture.app.signIns.at(-1);
    assert.equal(signIn?.claims.acr, "urn:svault:acr:2fa");
    assert.deepEqual(signIn?.claims.amr, ["pin", "hwk", "user", "mfa"]);
    assert.deepEqual(consoleErrors, []);
  });

  it("sends a browser that goes to Sign In with the PIN alone back to the second-factor step", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    const authReqId = new URL(page.url()).searchParams.get("auth_req_id") as string;
    const { nonce } = await authClient(fixture.server, "vault", authReqId).login({ username: "alice", secret: `pinpat/v1|PIN:${PIN}` });
    await page.goto(`${fixture.server.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`);
    await page.waitForURL((url) => url.pathname === "/ui/login" && url.searchParams.get("step") === "passkey");
    await page.getByRole("heading", { name: "One more step" }).waitFor();
    assert.ok(await page.getByRole("button", { name: "Use your passkey" }).isVisible());
  });
});
