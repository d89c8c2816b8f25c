// Registration on the hosted pages with both factors (pattern first, then PIN): each chosen
// twice, weak and mismatched choices refused in the page, then straight back to the application
// signed in. Also: keyboard-only entry of the pattern and the PIN, and the 360 px layout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authClient } from "../oidc/support.js";
import {
  alertAfter,
  drawPattern,
  enterUsername,
  type HostedUiFixture,
  startAtApplication,
  startHostedUiFixture,
  swipePattern,
  tapPin,
  assertLandsSignedIn,
  choosePin,
} from "./hosted-ui-fixture.js";

const TENANT = {
  display_name: "Two Factor Ltd",
  register_enable: true,
  use_pin: true,
  pin_size: 6,
  use_pattern: true,
  patter_size: 4,
  login_order: ["PATTERN", "PIN"],
  has_username_and_email: false,
};

describe("hosted registration page (pattern + PIN)", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({ tenantId: "twofactor", tenant: TENANT });
  });
  after(async () => fixture?.close());

  it("registers with a pattern and a PIN, refusing weak and mismatched choices, and lands signed in", async () => {
    const { page, requests, consoleErrors } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL((url) => url.pathname === "/ui/register");
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await enterUsername(page, "bob");

    await page.getByRole("heading", { name: "Draw a new pattern" }).waitFor();
    assert.match(await alertAfter(page, () => drawPattern(page, [0, 1, 2, 3])), /straight line along one row/);
    await drawPattern(page, [0, 5, 6, 11]);
    await page.getByRole("heading", { name: "Draw the same pattern again" }).waitFor();
    assert.match(await alertAfter(page, () => drawPattern(page, [0, 5, 6, 10])), /two patterns were different/);
    await drawPattern(page, [0, 5, 6, 11]);
    await page.getByRole("heading", { name: "Draw the same pattern again" }).waitFor();
    await drawPattern(page, [0, 5, 6, 11]);

    await page.getByRole("heading", { name: "Choose a 6-digit PIN" }).waitFor();
    assert.match(await alertAfter(page, () => tapPin(page, "123456")), /The digits go up one by one/);
    await page.getByRole("heading", { name: "Choose a 6-digit PIN" }).waitFor();
    await tapPin(page, "730518");
    await page.getByRole("heading", { name: "Enter the same PIN again" }).waitFor();
    await tapPin(page, "730518");

    await assertLandsSignedIn(fixture, page, "bob");

    // The account works with exactly that secret (pattern first: the tenant's login_order).
    await assert.doesNotReject(
      authClient(fixture.server, "twofactor").login({ username: "bob", secret: "pinpat/v1|PATTERN:0-5-6-11|PIN:730518" }),
    );
    for (const request of requests) {
      const sent = `${request.url()}\n${request.postData() ?? ""}`;
      for (const secretPart of ["730518", "0-5-6-11", "PATTERN:", "PIN:"]) {
        assert.ok(!sent.includes(secretPart), `${secretPart} appears in ${request.method()} ${request.url()}`);
      }
    }
    assert.deepEqual(consoleErrors, []);
  });

  it("tells a taken username at the first step", async () => {
    await authClient(fixture.server, "twofactor").register({ username: "taken", secret: "pinpat/v1|PATTERN:0-5-6-11|PIN:730518" });
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await page.getByRole("link", { name: "Create an account" }).click();
    await enterUsername(page, "taken");
    for (const attempt of [1, 2]) {
      await page.getByRole("heading", { name: attempt === 1 ? "Draw a new pattern" : "Draw the same pattern again" }).waitFor();
      await drawPattern(page, [3, 6, 9, 4]);
    }
    await choosePin(page, "730518");
    await page.getByRole("alert").waitFor();
    assert.match(String(await page.getByRole("alert").textContent()), /already registered/);
    assert.equal(await page.getByLabel("Username").inputValue(), "taken");
  });

  it("signs in with the keyboard alone: arrow keys and Enter on the grid, digits typed on the keypad", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    // The page renders its form once its messages are loaded (a dynamic import), which can be
    // after the load event: keys typed before the field has the focus go nowhere. The focus
    // starts in the username field by itself; wait for that, then type.
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "username");
    await page.keyboard.type("bob");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Draw your pattern" }).waitFor();
    assert.match(String(await page.getByRole("link", { name: "Forgot your pattern?" }).getAttribute("href")), /^\/ui\/reset-password\?/);
    // Focus starts on cell 0 (row 1, column 1): select it, then 5 (↓→), 6 (→), 11 (↓→).
    const steps = ["Enter", "ArrowDown", "ArrowRight", "Enter", "ArrowRight", "Enter", "ArrowDown", "ArrowRight", "Enter"];
    for (const key of steps) await page.keyboard.press(key);
    assert.equal(await page.locator(".cell[aria-pressed=true]").count(), 4);
    await page.keyboard.press("Tab"); // Undo
    await page.keyboard.press("Tab"); // Clear
    await page.keyboard.press("Tab"); // Continue
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Enter your PIN" }).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.closest(".keypad") !== null);
    assert.ok(focused, "the keypad has the focus");
    await page.keyboard.type("730518");
    await assertLandsSignedIn(fixture, page, "bob");
  });

  it("fits a 360 px wide screen with finger-sized keys and cells", async () => {
    const { page } = await fixture.newPage({ viewport: { width: 360, height: 720 } });
    await startAtApplication(fixture, page);
    await enterUsername(page, "bob");
    await page.getByRole("heading", { name: "Draw your pattern" }).waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(await overflow(), 0, "no horizontal scrolling on the grid step");
    const cell = await page.locator('.grid [data-cell="0"]').boundingBox();
    assert.ok(cell && cell.width >= 44 && cell.height >= 44, `cells are at least 44 px (${cell?.width})`);
    await drawPattern(page, [0, 5, 6, 11]);
    await page.getByRole("heading", { name: "Enter your PIN" }).waitFor();
    assert.equal(await overflow(), 0, "no horizontal scrolling on the keypad step");
    const key = await page.getByRole("button", { name: "5", exact: true }).boundingBox();
    assert.ok(key && key.width >= 44 && key.height >= 44, `keys are at least 44 px (${key?.width})`);
    await tapPin(page, "730518");
    await page.waitForURL((url) => url.pathname === "/callback");
  });

  it("on a touch screen: the pattern is drawn with one finger and the PIN tapped", async () => {
    const { page } = await fixture.newPage({ viewport: { width: 360, height: 720 }, touch: true });
    await startAtApplication(fixture, page);
    await page.getByLabel("Username").fill("bob");
    await page.getByRole("button", { name: "Continue" }).tap();
    await page.getByRole("heading", { name: "Draw your pattern" }).waitFor();
    await swipePattern(page, [0, 5, 6, 11]);
    await page.getByRole("heading", { name: "Enter your PIN" }).waitFor();
    for (const digit of "730518") await page.getByRole("button", { name: digit, exact: true }).tap();
    await assertLandsSignedIn(fixture, page, "bob");
  });
});
