// The hosted sign-in page's layout in headless Chromium, measured rather than looked at: the
// whole keypad on a 360×640 phone with an alert above it, the card centred on a desktop, a focus
// ring of at least 3:1 against the card (WCAG 1.4.11) computed from the rendered colours in both
// schemes, a ⌫ key as legible as the digits, ten keypad colours, and grid pictures that share
// nothing with the keypad's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { authClient } from "../oidc/support.js";
import {
  alertAfter,
  drawPattern,
  enterUsername,
  type HostedUiFixture,
  startAtApplication,
  startHostedUiFixture,
  tapPin,
} from "./hosted-ui-fixture.js";

/** WCAG contrast of two computed `rgb(…)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** The rendered outline colour of the focused element and the card's background. */
async function focusColours(page: Page): Promise<{ outline: string; card: string; width: number }> {
  return page.evaluate(() => {
    const focused = document.activeElement as HTMLElement;
    const style = getComputedStyle(focused);
    return {
      outline: style.outlineColor,
      width: Number.parseFloat(style.outlineWidth),
      card: getComputedStyle(document.querySelector(".card") as HTMLElement).backgroundColor,
    };
  });
}

describe("hosted sign-in page: layout", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({
      tenantId: "layout",
      tenant: {
        display_name: "Layout Ltd",
        register_enable: true,
        use_pin: true,
        pin_size: 6,
        use_pattern: true,
        patter_size: 6,
        login_order: ["PATTERN", "PIN"],
        has_username_and_email: true,
        show_pin_when_typing: false,
      },
      client: { op_policy_url: "https://layout.example/privacy", op_tos_url: "https://layout.example/terms" },
    });
    await authClient(fixture.server, "layout").register({
      username: "alice",
      email: "alice@layout.example",
      secret: "pinpat/v1|PATTERN:0-7-14-21|PIN:730518",
      protoVersion: PROTO_VERSION_LIGHT,
    });
  });
  after(async () => fixture?.close());

  it("shows the whole keypad on a 360×640 phone with an alert above it", async () => {
    const { page } = await fixture.newPage({ viewport: { width: 360, height: 640 }, touch: true });
    await startAtApplication(fixture, page);
    await enterUsername(page, "alice");
    await drawPattern(page, [0, 7, 14, 21]);
    await page.getByRole("group", { name: "PIN keypad" }).waitFor();
    // A wrong PIN: the alert comes, and the pattern and the keypad come back.
    await alertAfter(page, () => tapPin(page, "111111"));
    await drawPattern(page, [0, 7, 14, 21]);
    await page.getByRole("group", { name: "PIN keypad" }).waitFor();
    assert.ok(await page.getByRole("alert").isVisible());
    const layout = await page.evaluate(() => ({
      scrolled: window.scrollY,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      keys: [...document.querySelectorAll(".keypad button")].map((key) => {
        const box = key.getBoundingClientRect();
        return { name: key.getAttribute("aria-label"), top: box.top, bottom: box.bottom, height: box.height, width: box.width };
      }),
      alertTop: (document.querySelector("[role=alert]") as HTMLElement).getBoundingClientRect().top,
    }));
    assert.equal(layout.scrolled, 0);
    assert.equal(layout.overflow, 0, "no horizontal scrolling");
    assert.ok(layout.alertTop >= 0);
    assert.equal(layout.keys.length, 12);
    for (const key of layout.keys) {
      assert.ok(key.bottom <= 640, `${key.name} ends at ${key.bottom} px, below the 640 px screen`);
      assert.ok(key.height >= 44 && key.width >= 44, `${key.name} is at least 44 px`);
    }
  });

  it("centres the card on a desktop", async () => {
    const { page } = await fixture.newPage({ viewport: { width: 1280, height: 900 } });
    await startAtApplication(fixture, page);
    await page.getByLabel("Username").waitFor();
    const card = await page.locator(".card").boundingBox();
    assert.ok(card);
    assert.ok(Math.abs(card.y + card.height / 2 - 450) <= 2, `vertical centre at ${card.y + card.height / 2}`);
    assert.ok(Math.abs(card.x + card.width / 2 - 640) <= 2, `horizontal centre at ${card.x + card.width / 2}`);
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`draws a focus ring of at least 3:1 against the card (${colorScheme})`, async () => {
      const { page } = await fixture.newPage({ colorScheme });
      await startAtApplication(fixture, page);
      await page.getByLabel("Username").waitFor();
      await page.keyboard.press("Tab"); // from the username field to Continue
      const button = await focusColours(page);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Continue");
      assert.ok(button.width >= 2, `outline ${button.width} px`);
      const ratio = contrast(button.outline, button.card);
      assert.ok(ratio >= 3, `focus ring ${button.outline} on ${button.card}: ${ratio.toFixed(2)}:1`);
      await page.keyboard.press("Tab"); // a link
      const link = await focusColours(page);
      assert.ok(contrast(link.outline, link.card) >= 3);
    });
  }

  it("draws ⌫ as legibly as the digits, each digit in its own colour, and grid pictures unlike the keypad's", async () => {
    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page);
    await enterUsername(page, "alice");
    await page.locator(".grid").waitFor();
    const gridPictures = await page.locator(".grid .pic").evaluateAll((pictures) => pictures.map((p) => p.outerHTML));
    assert.equal(new Set(gridPictures).size, 36, "the 36 cells of a 6×6 grid are all different");
    await drawPattern(page, [0, 7, 14, 21]);
    await page.getByRole("group", { name: "PIN keypad" }).waitFor();
    const keypad = await page.evaluate(() => {
      const remove = document.querySelector(".key-delete") as HTMLElement;
      const digit = document.querySelector('.key[data-digit="5"] .key-digit') as HTMLElement;
      return {
        remove: { colour: getComputedStyle(remove).color, size: Number.parseFloat(getComputedStyle(remove).fontSize) },
        digitSize: Number.parseFloat(getComputedStyle(digit).fontSize),
        key: getComputedStyle(remove).backgroundColor,
        colours: [...document.querySelectorAll(".keypad .pic")].map((p) => getComputedStyle(p).color),
        pictures: [...document.querySelectorAll(".keypad .pic")].map((p) => p.outerHTML),
      };
    });
    assert.ok(contrast(keypad.remove.colour, keypad.key) >= 4.5, "⌫ has text contrast");
    assert.ok(keypad.remove.size >= keypad.digitSize, "⌫ is as large as a digit");
    assert.equal(new Set(keypad.colours).size, 10, `ten colours: ${keypad.colours.join(", ")}`);
    const shared = keypad.pictures.filter((picture) =>
      gridPictures.some((cell) => cell.replace(/class="[^"]*"/, "") === picture.replace(/class="[^"]*"/, "")),
    );
    assert.deepEqual(shared, [], "no keypad picture is also a grid picture");
  });
});
