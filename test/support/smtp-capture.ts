// An in-process SMTP server for tests: plain SMTP on 127.0.0.1 (ephemeral port, no TLS), any or no
// credentials accepted, every message kept (raw RFC 5322 text and the parsed parts tests look at).
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CapturedMail {
  /** The message as received (RFC 5322, CRLF line ends). */
  readonly raw: string;
  /** Addresses of the To header. */
  readonly to: string[];
  /** The From header: display name ("" when none) and address. */
  readonly from: { readonly name: string; readonly address: string };
  readonly subject: string;
  /** The decoded text/plain part. */
  readonly text: string;
  /** The decoded text/html part ("" when there is none). */
  readonly html: string;
  /** SMTP envelope: MAIL FROM and RCPT TO. */
  readonly envelope: { readonly from: string; readonly to: string[] };
  /** Credentials the client authenticated with, if it did. */
  readonly auth: { readonly username: string; readonly password: string } | undefined;
}

export interface SmtpCapture {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. Add `user:pass@` to exercise authentication. */
  readonly smtpUrl: string;
  readonly port: number;
  /** Every message received so far, oldest first. */
  readonly messages: readonly CapturedMail[];
  /**
   * The first message, received or still to come, that matches. No deadline of its own (the
   * runner's per-test limit ends a wait that hangs); rejects, listing what did arrive, if the
   * capture is closed first. To check that a mail was not sent, await the server's
   * `TestServer.settled()` and look at `messages`.
   */
  waitForMail(predicate?: (mail: CapturedMail) => boolean): Promise<CapturedMail>;
  close(): Promise<void>;
}

interface Waiter {
  readonly predicate: (mail: CapturedMail) => boolean;
  readonly resolve: (mail: CapturedMail) => void;
  readonly reject: (error: Error) => void;
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects.flatMap((o) => o.value.map((a) => a.address ?? "")).filter(Boolean);
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<Waiter>();
  const credentials = new Map<string, { username: string; password: string }>(); // by session id

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    hideSTARTTLS: true,
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, session, callback) {
      credentials.set(session.id, { username: auth.username ?? "", password: auth.password ?? "" });
      callback(null, { user: auth.username ?? "anonymous" });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error: Error) => callback(error));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then(
          (parsed) => {
            const mail: CapturedMail = {
              raw,
              to: addresses(parsed.to),
              from: { name: parsed.from?.value[0]?.name ?? "", address: parsed.from?.value[0]?.address ?? "" },
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              envelope: {
                from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              auth: credentials.get(session.id),
            };
            messages.push(mail);
            for (const waiter of waiters) {
              if (waiter.predicate(mail)) {
                waiters.delete(waiter);
                waiter.resolve(mail);
              }
            }
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitForMail(predicate = () => true) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<CapturedMail>((resolve, reject) => waiters.add({ predicate, resolve, reject }));
    },
    close: () => {
      const seen = messages.map((m) => `${m.to.join(",")}: ${m.subject}`);
      for (const waiter of waiters) waiter.reject(new Error(`closed before a matching mail arrived; received ${JSON.stringify(seen)}`));
      waiters.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
