import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { createMailer } from "../../src/mail/create-mailer.js";
import { DEV_MAIL_LOG_MESSAGE, LogMailer } from "../../src/mail/log-mailer.js";
import { MailDeliveryError } from "../../src/mail/mailer.js";
import { SmtpMailer } from "../../src/mail/smtp-mailer.js";
import { resetEmail, verificationEmail } from "../../src/mail/templates.js";
import { captureLogs } from "../support/log-capture.js";
import { startSmtpCapture, type SmtpCapture } from "../support/smtp-capture.js";

const FROM = "Secrets Vault <no-reply@localhost>";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function elapsed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await promise;
    return { error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

describe("SmtpMailer", () => {
  let smtp: SmtpCapture;
  before(async () => {
    smtp = await startSmtpCapture();
  });
  after(async () => {
    await smtp.close();
  });

  it("delivers a verification mail: recipient, subject, text, escaped HTML", async () => {
    const mailer = new SmtpMailer({ url: smtp.smtpUrl, from: FROM });
    const code = "Zq3-_x8YbW0aQhJ2nKdL5mVtR9sUoPcE1fGiTy7wB4A";
    const link = `https://id.example.com/acme/verify-email?code=${code}&x=1`;
    await mailer.send(verificationEmail({ to: "alice@example.com", code, link, tenantName: "<script>alert(1)</script> & Co" }));

    const mail = await smtp.waitForMail((m) => m.to.includes("alice@example.com"));
    assert.deepEqual(mail.to, ["alice@example.com"]);
    assert.deepEqual(mail.envelope, { from: "no-reply@localhost", to: ["alice@example.com"] });
    assert.deepEqual(mail.from, { name: "Secrets Vault", address: "no-reply@localhost" });
    assert.equal(mail.subject, "Verify your e-mail address for <script>alert(1)</script> & Co");
    assert.ok(mail.text.includes(code), "code in the text");
    assert.ok(mail.text.includes(link), "link in the text");
    assert.ok(mail.html.includes(code), "code in the HTML");
    assert.ok(mail.html.includes(`href="https://id.example.com/acme/verify-email?code=${code}&amp;x=1"`), "link escaped in the href");
    assert.ok(mail.html.includes("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"), "tenant name escaped");
    assert.ok(!mail.html.includes("<script>"), "no live <script> in the HTML");
    assert.equal(mail.auth, undefined, "no credentials in the URL, no AUTH");
    mailer.close();
  });

  it("delivers a reset mail", async () => {
    const mailer = new SmtpMailer({ url: smtp.smtpUrl, from: FROM });
    await mailer.send(
      resetEmail({ to: "bob@example.com", code: "reset-code-123", link: "https://id.example.com/r", tenantName: "Acme", minutesValid: 30 }),
    );
    const mail = await smtp.waitForMail((m) => m.to.includes("bob@example.com"));
    assert.equal(mail.subject, "Reset your login for Acme");
    assert.ok(mail.text.includes("reset-code-123"));
    assert.ok(mail.text.includes("30 minutes"));
    mailer.close();
  });

  it("authenticates with the percent-decoded credentials of the URL", async () => {
    const url = new URL(smtp.smtpUrl);
    url.username = "mailer@example.com";
    url.password = "p@ss:w/rd";
    const mailer = new SmtpMailer({ url: url.toString(), from: "ops@example.com" });
    await mailer.send({ to: "carol@example.com", subject: "hi", text: "hello", html: "<p>hello</p>" });
    const mail = await smtp.waitForMail((m) => m.to.includes("carol@example.com"));
    assert.deepEqual(mail.auth, { username: "mailer@example.com", password: "p@ss:w/rd" });
    assert.deepEqual(mail.from, { name: "", address: "ops@example.com" });
    mailer.close();
  });

  it("rejects quickly, with a clear error and no password, when nothing listens", async () => {
    const port = await closedPort();
    const mailer = new SmtpMailer({ url: `smtp://user:hunter2@127.0.0.1:${port}`, from: FROM });
    const { error, ms } = await elapsed(mailer.send({ to: "dave@example.com", subject: "s", text: "t", html: "<p>t</p>" }));
    assert.ok(error instanceof MailDeliveryError, `MailDeliveryError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`SMTP server 127\\.0\\.0\\.1:${port} failed`));
    assert.ok(!error.message.includes("hunter2"), "no password in the message");
    assert.ok(error.smtpCode, "the library's error code is kept");
    assert.ok(ms < 5_000, `rejected after ${Math.round(ms)} ms`);
    mailer.close();
  });

  it("gives up on a server that accepts the connection but never greets", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: FROM, greetingTimeoutMs: 300 });
      const { error, ms } = await elapsed(mailer.send({ to: "erin@example.com", subject: "s", text: "t", html: "<p>t</p>" }));
      assert.ok(error instanceof MailDeliveryError, `MailDeliveryError, got ${String(error)}`);
      assert.ok(ms < 3_000, `rejected after ${Math.round(ms)} ms`);
      mailer.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe("LogMailer", () => {
  it("logs the message at warn level, clearly marked as not sent", async () => {
    const logs = captureLogs("info");
    const message = verificationEmail({
      to: "alice@example.com",
      code: "dev-code-42",
      link: "http://localhost:8080/v",
      tenantName: "Acme",
    });
    await new LogMailer(logs.logger).send(message);

    assert.equal(logs.lines.length, 1);
    const line = JSON.parse(logs.lines[0] ?? "{}") as {
      level: number;
      msg: string;
      devMail: { to: string; subject: string; text: string };
    };
    assert.equal(line.level, 40, "warn");
    assert.equal(line.msg, DEV_MAIL_LOG_MESSAGE);
    assert.match(line.msg, /DEVELOPMENT MAIL — not sent \(SMTP_URL is unset\)/);
    assert.equal(line.devMail.to, "alice@example.com");
    assert.equal(line.devMail.subject, message.subject);
    assert.equal(line.devMail.text, message.text);
    assert.ok(line.devMail.text.includes("dev-code-42"), "the code is readable: that is the point of the dev mailer");
  });
});

describe("createMailer", () => {
  it("uses SMTP when SMTP_URL is set", () => {
    const logs = captureLogs("info");
    const mailer = createMailer(loadConfig({ SMTP_URL: "smtp://127.0.0.1:2525" }), logs.logger);
    assert.ok(mailer instanceof SmtpMailer);
    assert.equal(logs.lines.length, 0);
    mailer.close();
  });

  it("falls back to the log, with a warning, when SMTP_URL is unset", () => {
    const logs = captureLogs("info");
    const mailer = createMailer(loadConfig({}), logs.logger);
    assert.ok(mailer instanceof LogMailer);
    assert.match(logs.text(), /SMTP_URL is unset/);
  });
});

describe("mail configuration", () => {
  it("defaults: no SMTP, the default sender", () => {
    const config = loadConfig({});
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.smtpFrom, "Secrets Vault <no-reply@localhost>");
  });

  it("reads SMTP_URL (smtp: and smtps:) and SMTP_FROM", () => {
    assert.equal(loadConfig({ SMTP_URL: "smtp://u:p@mail.example.com:587" }).smtpUrl, "smtp://u:p@mail.example.com:587");
    assert.equal(loadConfig({ SMTP_URL: "smtps://mail.example.com" }).smtpUrl, "smtps://mail.example.com");
    assert.equal(loadConfig({ SMTP_FROM: "Acme ID <id@acme.example>" }).smtpFrom, "Acme ID <id@acme.example>");
    assert.equal(loadConfig({ SMTP_FROM: "id@acme.example" }).smtpFrom, "id@acme.example");
  });

  it("rejects a bad SMTP_URL by name, without echoing it", () => {
    for (const url of ["http://x", "smtp:nohost", "not a url"]) {
      const problems = problemsOf({ SMTP_URL: url });
      assert.ok(
        problems.some((p) => p.startsWith("SMTP_URL")),
        `${url}: SMTP_URL named in ${JSON.stringify(problems)}`,
      );
    }
    const problems = problemsOf({ SMTP_URL: "http://user:hunter2@x" });
    assert.ok(!problems.join("\n").includes("hunter2"), "a password in a bad URL is not repeated");
  });

  it("rejects an SMTP_FROM that is not an address", () => {
    for (const from of ["no-reply", "Secrets Vault", "a@b\r\nBcc: x@y", "Name <not an address>"]) {
      const problems = problemsOf({ SMTP_FROM: from });
      assert.ok(
        problems.some((p) => p.startsWith("SMTP_FROM")),
        `${JSON.stringify(from)}: SMTP_FROM named in ${JSON.stringify(problems)}`,
      );
    }
  });
});
