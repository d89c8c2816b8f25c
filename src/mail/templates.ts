// The e-mails the service sends: subject, plain text and minimal inline-styled HTML.
// Templates only render: the caller builds the links and knows the code's lifetime. Every
// interpolated value is HTML-escaped, and the subject is kept on one line.
import { escapeHtml } from "./escape-html.js";
import type { MailMessage } from "./mailer.js";

export interface VerificationEmailInput {
  readonly to: string;
  readonly code: string;
  /** The page that verifies the code (http: or https:). */
  readonly link: string;
  readonly tenantName: string;
}

export interface ResetEmailInput extends VerificationEmailInput {
  readonly minutesValid: number;
}

export function verificationEmail({ to, code, link, tenantName }: VerificationEmailInput): MailMessage {
  const tenant = oneLine(tenantName);
  checkLink(link);
  return {
    to,
    subject: `Verify your e-mail address for ${tenant}`,
    text: [
      "Hello,",
      "",
      `please confirm that ${to} is your e-mail address for ${tenant}. Open this link:`,
      "",
      link,
      "",
      "or enter this code:",
      "",
      `    ${code}`,
      "",
      "If you did not sign up, ignore this message.",
      "",
    ].join("\n"),
    html: page([
      "<p>Hello,</p>",
      `<p>please confirm that <strong>${escapeHtml(to)}</strong> is your e-mail address for <strong>${escapeHtml(tenant)}</strong>.</p>`,
      button(link, "Verify e-mail address"),
      "<p>or enter this code:</p>",
      codeBlock(code),
      footnote("If you did not sign up, ignore this message."),
    ]),
  };
}

export function resetEmail({ to, code, link, tenantName, minutesValid }: ResetEmailInput): MailMessage {
  const tenant = oneLine(tenantName);
  checkLink(link);
  const validity = `${minutesValid} minute${minutesValid === 1 ? "" : "s"}`;
  return {
    to,
    subject: `Reset your login for ${tenant}`,
    text: [
      "Hello,",
      "",
      `someone asked to reset the login of ${to} for ${tenant}. To choose a new one within ${validity}, open this link:`,
      "",
      link,
      "",
      "or enter this code:",
      "",
      `    ${code}`,
      "",
      "If you did not ask for this, ignore this message: nothing changes.",
      "",
    ].join("\n"),
    html: page([
      "<p>Hello,</p>",
      `<p>someone asked to reset the login of <strong>${escapeHtml(to)}</strong> for <strong>${escapeHtml(tenant)}</strong>. To choose a new one within ${escapeHtml(validity)}, open this link:</p>`,
      button(link, "Reset login"),
      "<p>or enter this code:</p>",
      codeBlock(code),
      footnote("If you did not ask for this, ignore this message: nothing changes."),
    ]),
  };
}

/** Control characters (line breaks included) become spaces: a name must not add header lines or text paragraphs. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

/** A link that is not http(s) (javascript:, data:…) is a caller bug; refuse to put it in a mail. */
function checkLink(link: string): void {
  let protocol: string;
  try {
    protocol = new URL(link).protocol;
  } catch {
    throw new TypeError("mail link must be an absolute http(s) URL");
  }
  if (protocol !== "https:" && protocol !== "http:") throw new TypeError("mail link must be an absolute http(s) URL");
}

function page(body: string[]): string {
  return [
    "<!doctype html>",
    '<html><body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328">',
    '<div style="max-width:520px;margin:0 auto;padding:24px;background:#ffffff;border:1px solid #d8dee4;border-radius:8px">',
    ...body,
    "</div>",
    "</body></html>",
    "",
  ].join("\n");
}

function button(link: string, label: string): string {
  return `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;background:#0969da;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(label)}</a></p>`;
}

function codeBlock(code: string): string {
  return `<p style="padding:12px;background:#f6f8fa;border-radius:6px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;word-break:break-all">${escapeHtml(code)}</p>`;
}

function footnote(text: string): string {
  return `<p style="color:#59636e;font-size:13px">${escapeHtml(text)}</p>`;
}
