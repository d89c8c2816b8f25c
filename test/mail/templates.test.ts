import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeHtml } from "../../src/mail/escape-html.js";
import { resetEmail, verificationEmail } from "../../src/mail/templates.js";

const input = { to: "alice@example.com", code: "c0de", link: "https://id.example.com/v?code=c0de", tenantName: "Acme" };

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    assert.equal(escapeHtml("plain text"), "plain text");
  });
});

describe("mail templates", () => {
  it("verification: subject, text and HTML carry the code and the link", () => {
    const mail = verificationEmail(input);
    assert.equal(mail.to, "alice@example.com");
    assert.equal(mail.subject, "Verify your e-mail address for Acme");
    for (const part of [mail.text, mail.html]) {
      assert.ok(part.includes("c0de"));
      assert.ok(part.includes("https://id.example.com/v?code=c0de"));
    }
    assert.ok(!mail.subject.includes("c0de"), "the code stays out of the subject (lock-screen previews)");
  });

  it("reset: says how long the code is valid", () => {
    const mail = resetEmail({ ...input, minutesValid: 30 });
    assert.equal(mail.subject, "Reset your login for Acme");
    assert.ok(mail.text.includes("within 30 minutes"));
    assert.ok(mail.html.includes("within 30 minutes"));
    assert.ok(resetEmail({ ...input, minutesValid: 1 }).text.includes("within 1 minute,"));
  });

  it("escapes every interpolated value in the HTML", () => {
    const mail = resetEmail({
      to: `"<b>x</b>"@example.com`,
      code: "<img src=x onerror=alert(1)>",
      link: `https://id.example.com/r?a="><script>alert(1)</script>`,
      tenantName: "<script>alert(1)</script>",
      minutesValid: 30,
    });
    assert.ok(!/<script|<img|<b>/i.test(mail.html), mail.html);
    assert.ok(mail.html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(mail.html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  });

  it("keeps the subject on one line", () => {
    const mail = verificationEmail({ ...input, tenantName: "Acme\r\nBcc: evil@example.com" });
    assert.equal(mail.subject, "Verify your e-mail address for Acme Bcc: evil@example.com");
    assert.ok(!/[\r\n]/.test(mail.subject));
  });

  it("refuses links that are not http(s)", () => {
    assert.throws(() => verificationEmail({ ...input, link: "javascript:alert(1)" }), TypeError);
    assert.throws(() => verificationEmail({ ...input, link: "/relative" }), TypeError);
  });

  it("speaks the recipient's language, right to left where it is written so", () => {
    const german = resetEmail({ ...input, minutesValid: 30, locale: "de" });
    assert.equal(german.subject, "Anmeldedaten für Acme zurücksetzen");
    assert.ok(german.text.includes("30 Minuten"), german.text);
    assert.match(german.html, /<html lang="de" dir="ltr">/);
    assert.ok(german.html.includes("<strong>alice@example.com</strong>"));
    const arabic = verificationEmail({ ...input, locale: "ar" });
    assert.equal(arabic.subject, "أكّد بريدك الإلكتروني لدى Acme");
    assert.match(arabic.html, /<html lang="ar" dir="rtl">/);
    assert.ok(arabic.text.includes("c0de") && arabic.text.includes(input.link));
    assert.ok(resetEmail({ ...input, minutesValid: 1, locale: "ja" }).text.includes("1 分"));
  });
});
