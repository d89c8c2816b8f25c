// The e-mails the service sends: subject, plain text and minimal inline-styled HTML, in the
// recipient's language (the catalogue's `mail.*` messages, src/i18n). Templates only render: the
// caller builds the links, knows the code's lifetime and chooses the language. Every
// interpolated value is HTML-escaped, and the subject is kept on one line.
import { translatorFor } from "../i18n/catalogues.js";
import { directionOf, FALLBACK_LOCALE, type Locale } from "../i18n/locales.js";
import type { MessageKey, MessageValues, Translator } from "../i18n/translator.js";
import { escapeHtml } from "./escape-html.js";
import type { MailMessage } from "./mailer.js";

export interface VerificationEmailInput {
  readonly to: string;
  readonly code: string;
  /** The page that verifies the code (http: or https:). */
  readonly link: string;
  readonly tenantName: string;
  /** The recipient's language; English by default. */
  readonly locale?: Locale | undefined;
}

export interface ResetEmailInput extends VerificationEmailInput {
  readonly minutesValid: number;
}

interface MailContent {
  readonly subject: MessageKey;
  readonly body: MessageKey;
  readonly button: MessageKey;
  readonly footnote: MessageKey;
  readonly values: MessageValues;
}

export function verificationEmail(input: VerificationEmailInput): MailMessage {
  return render(input, {
    subject: "mail.verify.subject",
    body: "mail.verify.body",
    button: "mail.verify.button",
    footnote: "mail.verify.ignore",
    values: {},
  });
}

export function resetEmail(input: ResetEmailInput): MailMessage {
  return render(input, {
    subject: "mail.reset.subject",
    body: "mail.reset.body",
    button: "mail.reset.button",
    footnote: "mail.reset.ignore",
    values: { minutes: input.minutesValid },
  });
}

function render({ to, code, link, tenantName, locale = FALLBACK_LOCALE }: VerificationEmailInput, content: MailContent): MailMessage {
  checkLink(link);
  const i18n = translatorFor(locale);
  const { t } = i18n;
  const values = { ...content.values, email: to, tenant: oneLine(tenantName) };
  return {
    to,
    subject: oneLine(t(content.subject, values)),
    text: [
      t("mail.greeting"),
      "",
      bodyText(i18n, content.body, values),
      "",
      t("mail.openLink"),
      "",
      link,
      "",
      t("mail.orCode"),
      "",
      `    ${code}`,
      "",
      t(content.footnote),
      "",
    ].join("\n"),
    html: page(locale, [
      `<p>${escapeHtml(t("mail.greeting"))}</p>`,
      `<p>${bodyHtml(i18n, content.body, values)}</p>`,
      button(link, t(content.button)),
      `<p>${escapeHtml(t("mail.orCode"))}</p>`,
      codeBlock(code),
      footnote(t(content.footnote)),
    ]),
  };
}

/** A `<b>` of a mail message: its chunks, rendered as text or as HTML. */
interface Bold {
  readonly bold: (string | Bold)[];
}
const bold = (chunks: (string | Bold)[]): Bold => ({ bold: chunks });

function bodyText(i18n: Translator, key: MessageKey, values: MessageValues): string {
  const text = (parts: (string | Bold)[]): string => parts.map((part) => (typeof part === "string" ? part : text(part.bold))).join("");
  return text(i18n.rich<Bold>(key, values, { b: bold }));
}

function bodyHtml(i18n: Translator, key: MessageKey, values: MessageValues): string {
  const html = (parts: (string | Bold)[]): string =>
    parts.map((part) => (typeof part === "string" ? escapeHtml(part) : `<strong>${html(part.bold)}</strong>`)).join("");
  return html(i18n.rich<Bold>(key, values, { b: bold }));
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

function page(locale: Locale, body: string[]): string {
  return [
    "<!doctype html>",
    `<html lang="${locale}" dir="${directionOf(locale)}"><body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328">`,
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
  return `<p dir="ltr" style="padding:12px;background:#f6f8fa;border-radius:6px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;word-break:break-all">${escapeHtml(code)}</p>`;
}

function footnote(text: string): string {
  return `<p style="color:#59636e;font-size:13px">${escapeHtml(text)}</p>`;
}
