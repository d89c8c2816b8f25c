// The hosted pages' language, in headless Chromium, by each rule in order: the application's
// `ui_locales`, the user's own `locale` (their e-mails, and the pages those e-mails link to), the
// browser's Accept-Language, the tenant's `default_locale`; and Arabic laid out right to left,
// with the keypad kept left to right (a secret's layout does not change with the language).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { authClient } from "../oidc/support.js";
import { rest } from "../support/fixtures.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp-capture.js";
import { type HostedUiFixture, startAtApplication, startHostedUiFixture } from "./hosted-ui-fixture.js";

/** The page's language attributes and main heading once the page has drawn itself. */
async function shown(page: Page): Promise<{ lang: string; dir: string; heading: string }> {
  await page.locator("#page-title").waitFor();
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    heading: document.querySelector("#page-title")?.textContent ?? "",
  }));
}

describe("hosted pages: languages", () => {
  let fixture: HostedUiFixture;
  let smtp: SmtpCapture;

  before(async () => {
    smtp = await startSmtpCapture();
    fixture = await startHostedUiFixture({
      tenantId: "lang",
      env: { SMTP_URL: smtp.smtpUrl },
      tenant: {
        display_name: "Lang",
        use_pin: true,
        pin_size: 4,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: true,
        register_enable: true,
        default_locale: "fr",
      },
    });
    await authClient(fixture.server, "lang").register({ username: "alice", email: "alice@lang.example", secret: "pinpat/v1|PIN:4829" });
    const user = await rest(fixture.server, fixture.server.adminKey, "GET", "/api/v1/tenants/lang/users/by-name/alice");
    const userId = (user.body as { user_id: string }).user_id;
    const updated = await rest(fixture.server, fixture.server.adminKey, "PUT", `/api/v1/tenants/lang/users/${userId}`, {
      username: "alice",
      email: "alice@lang.example",
      is_verified: true,
      locale: "es-MX",
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
  });
  after(async () => {
    await fixture?.close();
    await smtp?.close();
  });

  it("speaks the application's ui_locales first, over the browser's language", async () => {
    const { page } = await fixture.newPage({ locale: "de-DE" });
    await startAtApplication(fixture, page, "?ui_locales=pt-BR%20ja%20de");
    assert.deepEqual(await shown(page), { lang: "ja", dir: "ltr", heading: "サインイン" });
    assert.ok(await page.getByLabel("ユーザー名").isVisible());
  });

  it("else the browser's Accept-Language", async () => {
    const { page } = await fixture.newPage({ locale: "de-CH" });
    await startAtApplication(fixture, page);
    assert.deepEqual(await shown(page), { lang: "de", dir: "ltr", heading: "Anmelden" });
    assert.ok(await page.getByRole("link", { name: "Konto erstellen" }).isVisible());
  });

  it("else the tenant's default_locale", async () => {
    const { page } = await fixture.newPage({ locale: "pt-BR" });
    await startAtApplication(fixture, page);
    assert.deepEqual(await shown(page), { lang: "fr", dir: "ltr", heading: "Connexion" });
  });

  it("writes to a user in their own locale, and the e-mail's link keeps it, whatever the browser says", async () => {
    const { page } = await fixture.newPage({ locale: "de-DE" });
    await startAtApplication(fixture, page);
    await page.getByRole("link", { name: "PIN vergessen?" }).click();
    await page.getByLabel("Benutzername").fill("alice");
    await page.getByLabel("E-Mail-Adresse").fill("alice@lang.example");
    await page.getByRole("button", { name: "Code senden" }).click();
    // (Her registration's verification e-mail went out in French: she had no locale of her own yet.)
    const mail = await smtp.waitForMail((m) => m.to.includes("alice@lang.example") && m.text.includes("/ui/reset-password"));
    assert.equal(mail.subject, "Restablece tu acceso a Lang");
    assert.match(mail.text, /válidos durante 30 minutos/);
    const link = /https?:\/\/\S+/.exec(mail.text)?.[0] ?? "";
    assert.equal(new URL(link).searchParams.get("ui_locales"), "es");
    const fromMail = (await fixture.newPage({ locale: "de-DE" })).page;
    await fromMail.goto(link);
    assert.deepEqual(await shown(fromMail), { lang: "es", dir: "ltr", heading: "Restablecer tu PIN" });
  });

  it("lays Arabic out right to left, and keeps the keypad left to right", async () => {
    const aligned = async (page: Page) =>
      page.evaluate(() => {
        const label = document.querySelector("label") as HTMLElement;
        const text = document.createRange();
        text.selectNodeContents(label);
        const words = text.getBoundingClientRect();
        const input = (document.querySelector("input[name=username]") as HTMLElement).getBoundingClientRect();
        return { left: Math.abs(words.left - input.left) < 2, right: Math.abs(words.right - input.right) < 2 };
      });
    const english = (await fixture.newPage()).page;
    await startAtApplication(fixture, english, "?ui_locales=en");
    await shown(english);
    assert.deepEqual(await aligned(english), { left: true, right: false }, "English labels start on the left");

    const { page } = await fixture.newPage();
    await startAtApplication(fixture, page, "?ui_locales=ar");
    assert.deepEqual(await shown(page), { lang: "ar", dir: "rtl", heading: "تسجيل الدخول" });
    assert.deepEqual(await aligned(page), { left: false, right: true }, "Arabic labels start on the right");
    await page.getByLabel("اسم المستخدم").fill("alice");
    await page.getByRole("button", { name: "متابعة" }).click();
    const keypad = page.getByRole("group", { name: "لوحة أرقام رمز PIN" });
    const one = await keypad.getByRole("button", { name: "1", exact: true }).boundingBox();
    const three = await keypad.getByRole("button", { name: "3", exact: true }).boundingBox();
    assert.ok(one && three && one.x < three.x, "1 stays left of 3");
  });
});
