// The hosted pages around sign-in, in headless Chromium: a wrong PIN then the right one (the
// throttle's delay waited out by the page), reset through a real SMTP server and the e-mail's
// link, the e-mail verification landing page, and logout. The throttle's states have their own
// file (failure-states.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authClient } from "../oidc/support.js";
import { executeSql } from "../../src/persistence/execute-sql.js";
import { rest } from "../support/fixtures.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp-capture.js";
import {
  alertAfter,
  enterUsername,
  type HostedUiFixture,
  startAtApplication,
  startHostedUiFixture,
  tapPin,
  assertLandsSignedIn,
  choosePin,
  signInAtApplication,
} from "./hosted-ui-fixture.js";

const secret = (pin: string) => `pinpat/v1|PIN:${pin}`;

/** The code and link of the newest e-mail to `to`. */
async function mailTo(smtp: SmtpCapture, to: string, subject: RegExp): Promise<{ link: string; text: string }> {
  const mail = await smtp.waitForMail((m) => m.to.includes(to) && subject.test(m.subject));
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  assert.ok(link, mail.text);
  return { link, text: mail.text };
}

describe("hosted pages: wrong secret, blocks, reset, verification, logout", () => {
  let fixture: HostedUiFixture;
  let smtp: SmtpCapture;

  before(async () => {
    smtp = await startSmtpCapture();
    fixture = await startHostedUiFixture({
      tenantId: "flows",
      env: { SMTP_URL: smtp.smtpUrl },
      tenant: {
        display_name: "Flows",
        register_enable: true,
        use_pin: true,
        pin_size: 4,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: true,
        show_pin_when_typing: false,
        block_config: { user_free_attempts: 1, user_block_after: 2, block_seconds: 0 },
      },
    });
    // Users who confirmed their addresses long ago (no need_verify step at sign-in).
    const client = authClient(fixture.server, "flows");
    for (const [username, pin] of [
      ["alice", "4829"],
      ["dave", "6284"],
    ] as const) {
      const email = `${username}@flows.example`;
      await client.register({ username, email, secret: secret(pin) });
      const user = await rest(fixture.server, fixture.server.adminKey, "GET", `/api/v1/tenants/flows/users/by-name/${username}`);
      const userId = (user.body as { user_id: string }).user_id;
      const verified = await rest(fixture.server, fixture.server.adminKey, "PUT", `/api/v1/tenants/flows/users/${userId}`, {
        username,
        email,
        is_verified: true,
      });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
    }
  });
  after(async () => {
    await fixture?.close();
    await smtp?.close();
  });

  it("a wrong PIN says so and offers the keypad again; the right one signs in", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await enterUsername(page, "alice");
    await tapPin(page, "48");
    // show_pin_when_typing is off: dots, not digits.
    assert.deepEqual(await page.locator(".pin-display .slot.filled").allTextContents(), ["•", "•"]);
    assert.equal(await page.getByText("4", { exact: true }).count(), 1, "only the keypad's own 4");
    assert.equal(await alertAfter(page, () => tapPin(page, "28")), "The username or PIN is wrong. Please try again.");
    await page.getByRole("heading", { name: "Enter your PIN" }).waitFor();
    // This tenant's block_config holds the second guess back by one second: the page counts it
    // down and then sends the PIN by itself (test/ui/failure-states.test.ts).
    await tapPin(page, "4829");
    await assertLandsSignedIn(fixture, page, "alice");
  });

  it("resets the PIN with the code from a real e-mail and its link, then signs in with the new PIN", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await page.getByRole("link", { name: "Forgot your PIN?" }).click();
    await page.getByRole("heading", { name: "Reset your PIN" }).waitFor();
    await page.getByLabel("Username").fill("dave");
    await page.getByLabel("E-mail address").fill("dave@flows.example");
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByLabel("Code from the e-mail").waitFor();

    const { link } = await mailTo(smtp, "dave@flows.example", /Reset/);
    assert.equal(new URL(link).pathname, "/ui/reset-password");
    const mailPage = (await fixture.newPage()).page;
    await mailPage.goto(link);
    await mailPage.getByLabel("Username").fill("dave");
    await mailPage.getByRole("button", { name: "Continue" }).click();
    await mailPage.getByRole("heading", { name: "Choose a 4-digit PIN" }).waitFor();
    await tapPin(mailPage, "1357");
    await mailPage.getByRole("heading", { name: "Enter the same PIN again" }).waitFor();
    await tapPin(mailPage, "1357");
    await mailPage.getByRole("heading", { name: "Your PIN has been changed" }).waitFor();

    // Back in the first tab, the sign-in request is still pending: sign in with the new PIN.
    await page.goto(`${fixture.app.origin}/login`);
    await enterUsername(page, "dave");
    await tapPin(page, "1357");
    await assertLandsSignedIn(fixture, page, "dave");
  });

  it("a used or wrong reset code is refused with a clear message", async () => {
    const { page } = await fixture.newPage();
    await page.goto(`${fixture.server.baseUrl}/ui/reset-password?tenant_id=flows&code=not-a-real-code`);
    await page.getByLabel("Username").fill("dave");
    await page.getByRole("button", { name: "Continue" }).click();
    await choosePin(page, "9517");
    assert.match(String(await page.getByRole("alert").textContent()), /code is wrong or has expired/);
    assert.ok(await page.getByLabel("Code from the e-mail").isVisible(), "the code can be corrected");
  });

  it("registration sends a verification e-mail; its page confirms the address on a button press", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Username").fill("erin");
    await page.getByLabel("E-mail address").fill("erin@flows.example");
    await page.getByRole("button", { name: "Continue" }).click();
    await choosePin(page, "5820");
    // need_verify: the page says so before going on to the application.
    await page.getByRole("heading", { name: "Please confirm your e-mail address" }).waitFor();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");

    const { link } = await mailTo(smtp, "erin@flows.example", /Verify/);
    const verify = (await fixture.newPage()).page;
    await verify.goto(link);
    await verify.getByRole("heading", { name: "Confirm your e-mail address" }).waitFor();
    await verify.getByRole("button", { name: "Confirm my address" }).click();
    await verify.getByRole("heading", { name: "Your e-mail address is confirmed" }).waitFor();
    const again = (await fixture.newPage()).page;
    await again.goto(link);
    await again.getByRole("button", { name: "Confirm my address" }).click();
    await again.getByRole("heading", { name: "This link cannot be used" }).waitFor();

    const users = await rest(fixture.server, fixture.server.adminKey, "GET", "/api/v1/tenants/flows/users/by-name/erin");
    assert.equal((users.body as { is_verified: boolean }).is_verified, true);
  });

  it("logout from the application with an id_token_hint ends the session and returns to it", async () => {
    const { page } = await fixture.newPage();
    const { accessToken } = await signInAtApplication(fixture, page, "alice", "4829");

    await page.goto(`${fixture.app.origin}/logout`);
    await page.waitForURL((url) => url.pathname === "/bye");
    assert.match(String(await page.locator("#bye").textContent()), /bye-state/);
    const userinfo = await fetch(`${fixture.server.baseUrl}/oidc/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(userinfo.status, 401, "the session's tokens stop working");
    // The browser's session is gone: the next sign-in asks again.
    await startAtApplication(fixture, page);
  });

  it("logout without an id_token_hint asks first; confirming signs out", async () => {
    const { page } = await fixture.newPage();
    const { accessToken } = await signInAtApplication(fixture, page, "alice", "4829");

    await page.goto(`${fixture.app.origin}/logout?hint=no`);
    await page.getByRole("heading", { name: "Sign out?" }).waitFor();
    const stillValid = await fetch(`${fixture.server.baseUrl}/oidc/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(stillValid.status, 200, "nothing ends before the person confirms");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "You are signed out" }).waitFor();
    const ended = await fetch(`${fixture.server.baseUrl}/oidc/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(ended.status, 401);
  });

  it("an authorization request that expired while the page was open ends with a way back to the application", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    const authReqId = new URL(page.url()).searchParams.get("auth_req_id");
    await enterUsername(page, "alice");
    await executeSql(
      fixture.server.running.database.orm.em.fork(),
      "update auth_request set expires_at = now() - interval '1 second' where id = ?",
      [authReqId],
      "run",
    );
    await tapPin(page, "4829");
    await page.getByRole("heading", { name: "This sign-in has expired" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Back to Notes App" }).getAttribute("href"), `${fixture.app.origin}/`);
  });
});
