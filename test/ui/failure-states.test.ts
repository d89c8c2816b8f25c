// The sign-in page when things go wrong, in headless Chromium: a wrong PIN, the throttle's wait
// (counted down before anything is asked again, then the held try is sent by itself), a block
// (no keypad; how long, and the ways out), and the error page (plain words, the technical detail
// behind a disclosure, the tenant's branding). Waits use the page's clock and rows moved in time,
// never the wall clock.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { executeSql } from "../../src/persistence/execute-sql.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { authClient } from "../oidc/support.js";
import { rest } from "../support/fixtures.js";
import {
  alertAfter,
  assertLandsSignedIn,
  enterUsername,
  type HostedUiFixture,
  startAtApplication,
  startHostedUiFixture,
  tapPin,
} from "./hosted-ui-fixture.js";

const PIN = "4829";

describe("hosted sign-in: failure states", () => {
  let fixture: HostedUiFixture;
  const sql = (statement: string, params: unknown[] = []) =>
    executeSql(fixture.server.running.database.orm.em.fork(), statement, params, "run");

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "fails",
      tenant: {
        display_name: "Fails Inc.",
        register_enable: true,
        use_pin: true,
        pin_size: 4,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: true,
        support_uri: "https://fails.example/help",
        block_config: { user_free_attempts: 1, user_block_after: 10, block_seconds: 900 },
      },
    });
    const client = authClient(fixture.server, "fails");
    for (const username of ["alice", "carol", "dave"]) {
      await client.register({
        username,
        email: `${username}@fails.example`,
        secret: `pinpat/v1|PIN:${PIN}`,
        protoVersion: PROTO_VERSION_LIGHT,
      });
      const user = await rest(fixture.server, fixture.server.adminKey, "GET", `/api/v1/tenants/fails/users/by-name/${username}`);
      const userId = (user.body as { user_id: string }).user_id;
      await rest(fixture.server, fixture.server.adminKey, "PUT", `/api/v1/tenants/fails/users/${userId}`, {
        username,
        email: `${username}@fails.example`,
        is_verified: true,
      });
    }
  });
  after(async () => fixture?.close());

  it("a wrong PIN says so in plain words and brings the keypad back, with a Forgot link on the PIN step", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await enterUsername(page, "alice");
    const forgot = page.getByRole("link", { name: "Forgot your PIN?" });
    assert.match(String(await forgot.getAttribute("href")), /^\/ui\/reset-password\?auth_req_id=/);
    assert.equal(await alertAfter(page, () => tapPin(page, "1111")), "The username or PIN is wrong. Please try again.");
    await page.getByRole("group", { name: "PIN keypad" }).waitFor();
    assert.ok(await forgot.isVisible(), "still offered after the wrong try");
  });

  it("a wait is counted down before anything is asked again; then what was entered is checked by itself", async () => {
    const { page } = await fixture.newPage();
    await page.clock.install();
    await startAtApplication(fixture, page);
    await enterUsername(page, "carol");
    // carol's earlier wrong tries: one free attempt, then 2^(5-1) = 16 s after the last failure.
    await authClient(fixture.server, "fails")
      .login({ username: "carol", secret: "pinpat/v1|PIN:1111" })
      .catch(() => undefined);
    await sql(
      "update login_throttle set failures = 5, last_failure_at = now() where tenant_id = 'fails' and kind = 'user' and subject = 'carol'",
    );

    assert.match(await alertAfter(page, () => tapPin(page, PIN)), /Too many wrong tries/);
    const timer = page.getByRole("timer");
    assert.match(String(await timer.textContent()), /^Checking in 1[56] seconds$/);
    assert.equal(await page.getByRole("group", { name: "PIN keypad" }).count(), 0, "no keypad while the server would refuse");
    await page.clock.fastForward(5_000);
    await page.waitForFunction(() => /Checking in 1[01] seconds/.test(document.querySelector("[role=timer]")?.textContent ?? ""));

    // The server's wait ends (the failure moved back in time), and so does the page's.
    await sql("update login_throttle set last_failure_at = now() - interval '1 minute' where tenant_id = 'fails' and subject = 'carol'");
    await page.clock.fastForward(11_000);
    await assertLandsSignedIn(fixture, page, "carol");
  });

  it("a block replaces the keypad with how long it lasts and the ways out; Try again works once it is lifted", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await enterUsername(page, "dave");
    await sql(
      `insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until)
       values ('fails', 'dave', 10, 'too many failed logins', now(), now() + interval '15 minutes')`,
    );
    await tapPin(page, PIN);
    await page.getByRole("heading", { name: "Signing in is paused" }).waitFor();
    const alert = String(await page.getByRole("alert").textContent());
    assert.match(alert, /signing in as dave is blocked for now/);
    assert.match(alert, /The block ends within 15 minutes\./);
    assert.match(alert, /Resetting your PIN lifts the block at once\./);
    assert.equal(await page.getByRole("group", { name: "PIN keypad" }).count(), 0, "no keypad while blocked");
    assert.match(String(await page.getByRole("link", { name: "Reset your PIN" }).getAttribute("href")), /^\/ui\/reset-password\?/);
    assert.equal(await page.getByRole("link", { name: "Help" }).first().getAttribute("href"), "https://fails.example/help");
    assert.equal(await page.getByRole("link", { name: "Back to Notes App" }).getAttribute("href"), `${fixture.app.origin}/`);

    const lifted = await rest(fixture.server, fixture.server.adminKey, "DELETE", "/api/v1/tenants/fails/blocked-users?username=dave");
    assert.ok(lifted.status < 300, JSON.stringify(lifted.body));
    await page.getByRole("button", { name: "Try again" }).click();
    await tapPin(page, PIN);
    await assertLandsSignedIn(fixture, page, "dave");
  });

  it("the error page speaks to the person, in the tenant's branding, with the technical detail behind a disclosure", async () => {
    const { page } = await fixture.newPage();
    await page.goto(`${fixture.app.origin}/login?redirect_uri=${encodeURIComponent("https://evil.example/callback")}`);
    await page.waitForURL((url) => url.pathname === "/ui/error");
    await page.getByRole("heading", { name: "We can't continue this sign-in" }).waitFor();
    assert.ok(await page.getByText("Fails Inc.").isVisible(), "the tenant's name");
    assert.equal(await page.getByRole("link", { name: "Back to Notes App" }).getAttribute("href"), fixture.app.origin);
    const detail = page.getByText("The redirect_uri is not registered for this client");
    assert.equal(await detail.isVisible(), false, "the detail waits behind its disclosure");
    assert.equal(await page.getByText("invalid_request").isVisible(), false);
    await page.getByText("Details for the site's developer").click();
    assert.ok(await detail.isVisible());
  });
});
