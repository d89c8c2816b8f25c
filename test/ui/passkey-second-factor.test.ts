// A 2FA tenant with passkeys, in headless Chromium with its virtual authenticator: PIN, then the
// passkey on the page's second-factor step, and the application gets an ID token that says so
// (acr 2fa, amr pin + hwk + user + mfa).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { ApiKeyEntity } from "../../src/persistence/entities/api-key.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { userIdOf } from "../login/login-helpers.js";
import { authClient } from "../oidc/support.js";
import { registerPasskey } from "../passkeys/passkey-ceremonies.js";
import { addVirtualAuthenticator } from "../passkeys/virtual-authenticator.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "./hosted-ui-fixture.js";

const PIN = "482913";

describe("hosted sign-in page on a 2FA tenant with passkeys", () => {
  let fixture: HostedUiFixture;
  let apiKey: string;

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
      publicHost: "localhost",
    });
    await authClient(fixture.server, "vault").register({ username: "alice", secret: `pinpat/v1|PIN:${PIN}` });
    // Alice's own key, as an application holding her token would register her passkey with.
    const userId = await userIdOf(fixture.server, "vault", "alice");
    const issued = issueApiKey();
    const em = scopeToTenant(fixture.server.running.database.orm.em.fork(), "vault");
    em.create(ApiKeyEntity, {
      id: issued.id,
      tenant: "vault",
      user: userId as string,
      name: "alice",
      scopes: ["profile"],
      secretHash: issued.secretHash,
    });
    await em.flush();
    apiKey = issued.key;
  });
  after(async () => fixture?.close());

  it("asks for the passkey after the PIN, and the ID token says two factors were used", async () => {
    const { page, context } = await fixture.newPage();
    // No autofill: the passkey alone would be the first factor; here the PIN comes first.
    await context.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    await page.goto(`${fixture.server.config.publicUrl}/health`);
    await addVirtualAuthenticator(page);
    assert.equal((await registerPasskey(page, apiKey)).status, 200);

    await startAtApplication(fixture, page);
    await enterUsername(page, "alice");
    await tapPin(page, PIN);
    await page.getByRole("heading", { name: "One more step" }).waitFor();
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    const signIn = fixture.app.signIns.at(-1);
    assert.equal(signIn?.userinfo.preferred_username, "alice");
    assert.equal(signIn?.claims.acr, "urn:svault:acr:2fa");
    assert.deepEqual(signIn?.claims.amr, ["pin", "hwk", "user", "mfa"]);
  });
});
