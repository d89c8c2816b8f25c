// E-mail verification and reset by e-mailed code (login protocol §9, §10), with the server mailing
// through an in-process SMTP server: what arrives, what the codes do, and that they are single use.
// Registration, verification and reset are all or nothing: a failure midway leaves nothing spent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { createTenant } from "../support/fixtures.js";
import { failWrites } from "../support/injected-fault.js";
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from "../support/smtp-capture.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { call, RELAXED_BLOCKING, registerUser, resendingSdk, sdk, secretOf, sql, userIdOf } from "./login-helpers.js";

const TENANT = "login-mail";
const SECRET = secretOf("482915");
const NEW_SECRET = secretOf("730148", [2, 4, 6, 1]);
const THIRD_SECRET = secretOf("615402", [1, 5, 3, 7]);
const INVALID_CODE = { detail: "The code is invalid or has expired" };

let capture: SmtpCapture;
let server: TestServer;
before(async () => {
  capture = await startSmtpCapture();
  server = await startTestServer({ env: { SMTP_URL: capture.smtpUrl } });
  await createTenant(server, TENANT, { register_enable: true, has_username_and_email: true, block_config: RELAXED_BLOCKING });
});
after(async () => {
  await server.close();
  await capture.close();
});

/** The code a mail carries (on its own line, and in the link). */
function codeIn(mail: CapturedMail): string {
  const code = /^ {4}([A-Za-z0-9_-]{43})$/m.exec(mail.text)?.[1];
  assert.ok(code, `no code in ${mail.text}`);
  assert.ok(mail.text.includes(`code=${code}`), "the link carries the same code");
  return code;
}

const seenCodes = new Set<string>();
/** The next mail to `to` (compared case-insensitively) whose subject starts with `subject` and whose code was not seen yet. */
async function nextCode(to: string, subject: string): Promise<string> {
  const addressed = (m: CapturedMail) => m.to.some((address) => address.toLowerCase() === to.toLowerCase());
  const mail = await capture.waitForMail((m) => addressed(m) && m.subject.startsWith(subject) && !seenCodes.has(codeIn(m)));
  const code = codeIn(mail);
  seenCodes.add(code);
  return code;
}

const verifyEmail = (code: string) => call(server, "GET", "/api/v1/auth/verify-email", { query: { code } });
const requestReset = (username: string, email: string) =>
  call(server, "POST", "/api/v1/auth/reset-password", { query: { tenant_id: TENANT }, body: { username, email } });
const login = (username: string, secret: string) => sdk(server, TENANT).login({ username, secret });
const resetWithCode = (code: string, username: string, secret: string) =>
  sdk(server, TENANT).resetWithCode({ code, username, secret, protoVersion: PROTO_VERSION_LIGHT });

async function refusal(promise: Promise<unknown>): Promise<SvaultAuthError> {
  const error = await promise.then(
    () => assert.fail("the call succeeded"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SvaultAuthError, String(error));
  return error;
}

describe("e-mail verification", () => {
  let code: string;

  it("is mailed at registration; until verified, login answers need_verify true", async () => {
    await registerUser(server, TENANT, "mia", SECRET, "Mia@Example.com");
    code = await nextCode("Mia@Example.com", "Verify your e-mail address");
    const result = await login("mia", SECRET);
    assert.ok(result.nonce);
    assert.equal(result.needVerify, true);
  });

  it("verifies the address with the mailed code; login then answers need_verify false", async () => {
    const res = await verifyEmail(code);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body, null, "the JSON null, as in the reference");
    const [user] = await sql<{ is_verified: boolean }>(
      server,
      "select is_verified from app_user where tenant_id = ? and username_normalized = 'mia'",
      [TENANT],
    );
    assert.equal(user?.is_verified, true);
    assert.equal((await login("mia", SECRET)).needVerify, false);
  });

  it("refuses the same code again, and an unknown code, with 400", async () => {
    const again = await verifyEmail(code);
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, INVALID_CODE);
    const unknown = await verifyEmail("A".repeat(43));
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, INVALID_CODE);
  });
});

describe("reset by e-mailed code", () => {
  before(async () => {
    await registerUser(server, TENANT, "noah", SECRET, "noah@example.com");
    await nextCode("noah@example.com", "Verify your e-mail address"); // left unverified
  });

  let code: string;

  it("answers 200 null whether or not the account exists; only the existing account gets a mail", async () => {
    const answers = [
      await requestReset("noah", "someone-else@example.com"),
      await requestReset("nobody", "nobody@example.com"),
      await requestReset("NOAH", "Noah@Example.com"),
    ];
    for (const res of answers) {
      assert.equal(res.status, 200);
      assert.equal(res.body, null);
    }
    assert.deepEqual(
      answers.map((res) => res.headers.get("content-length")),
      answers.map(() => answers[0]?.headers.get("content-length")),
    );
    code = await nextCode("noah@example.com", "Reset your login");
    // Every mail the three requests started has been delivered (or was never sent) once this resolves.
    await server.settled();
    const resets = capture.messages.filter((m) => m.subject.startsWith("Reset your login"));
    assert.deepEqual(
      resets.map((m) => m.to),
      [["noah@example.com"]],
      "one reset mail, to the account's address only",
    );
  });

  it("sets a new secret with the code: the old secret fails, the new one works, and the address counts as verified", async () => {
    await resetWithCode(code, "noah", NEW_SECRET);
    const old = await refusal(login("noah", SECRET));
    assert.deepEqual([old.status, old.detail], [401, "Invalid username or secret"]);
    const result = await login("noah", NEW_SECRET);
    assert.ok(result.nonce);
    assert.equal(result.needVerify, false, "receiving the code proved the mailbox");
  });

  it("refuses the code a second time with 400", async () => {
    const error = await refusal(resetWithCode(code, "noah", THIRD_SECRET));
    assert.deepEqual([error.status, error.detail], [400, INVALID_CODE.detail]);
    assert.ok((await login("noah", NEW_SECRET)).nonce, "the secret is unchanged");
  });

  /** A reset code submission with a username that is not the code's. */
  const wrongUsername = (resetCode: string) =>
    call(server, "POST", "/api/v1/auth/reset-password/code", {
      body: { code: resetCode, username: "mia", encrypted_commitment: "x.y.z", proto_version: PROTO_VERSION_LIGHT },
    });

  it("survives four submissions with a wrong username", async () => {
    assert.equal((await requestReset("noah", "noah@example.com")).status, 200);
    const fresh = await nextCode("noah@example.com", "Reset your login");
    for (let i = 0; i < 4; i++) {
      const res = await wrongUsername(fresh);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, INVALID_CODE);
    }
    await resetWithCode(fresh, "noah", THIRD_SECRET);
    assert.ok((await login("noah", THIRD_SECRET)).nonce);
  });

  it("dies after five submissions with a wrong username", async () => {
    assert.equal((await requestReset("noah", "noah@example.com")).status, 200);
    const fresh = await nextCode("noah@example.com", "Reset your login");
    for (let i = 0; i < 5; i++) assert.equal((await wrongUsername(fresh)).status, 400);
    const error = await refusal(resetWithCode(fresh, "noah", NEW_SECRET));
    assert.deepEqual([error.status, error.detail], [400, INVALID_CODE.detail]);
    assert.ok((await login("noah", THIRD_SECRET)).nonce, "the secret is unchanged");
    const [left] = await sql<{ n: string }>(
      server,
      "select count(*) as n from one_time_code where tenant_id = ? and purpose = 'reset_password'",
      [TENANT],
    );
    assert.equal(Number(left?.n), 0, "the code is gone");
  });
});

describe("all or nothing", () => {
  /** Runs `work` while every `operation` on `table` fails; answers the error `work` met. */
  async function whileFailing(table: string, operation: "insert" | "update", work: () => Promise<unknown>): Promise<unknown> {
    const fault = await failWrites(server.db.url, table, operation);
    try {
      return await work().then(
        () => assert.fail("the call succeeded despite the injected fault"),
        (error: unknown) => error,
      );
    } finally {
      await fault.remove();
    }
  }

  it("a registration that fails while storing its verification code leaves no user; registering again works", async () => {
    const error = await whileFailing("one_time_code", "insert", () => registerUser(server, TENANT, "olga", SECRET, "olga@example.com"));
    assert.ok(error instanceof SvaultAuthError && error.status >= 500, String(error));
    assert.equal(await userIdOf(server, TENANT, "olga"), undefined, "no user without a verification code");
    await registerUser(server, TENANT, "olga", SECRET, "olga@example.com");
    await nextCode("olga@example.com", "Verify your e-mail address");
  });

  it("a verification that fails midway keeps the code: the same code verifies afterwards", async () => {
    await registerUser(server, TENANT, "pia", SECRET, "pia@example.com");
    const code = await nextCode("pia@example.com", "Verify your e-mail address");
    const failed = await whileFailing("app_user", "update", async () => {
      const res = await verifyEmail(code);
      if (res.status >= 500) throw new Error(`answered ${res.status}`);
    });
    assert.ok(failed instanceof Error);
    const res = await verifyEmail(code);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await login("pia", SECRET)).needVerify, false);
  });

  it("a reset that fails while storing the credential can be sent again unchanged", async () => {
    await registerUser(server, TENANT, "quinn", SECRET, "quinn@example.com");
    assert.equal((await requestReset("quinn", "quinn@example.com")).status, 200);
    const code = await nextCode("quinn@example.com", "Reset your login");
    const resending = resendingSdk(server, TENANT);
    const error = await whileFailing("user_credential", "insert", () =>
      resending.client.resetWithCode({ code, username: "quinn", secret: NEW_SECRET, protoVersion: PROTO_VERSION_LIGHT }),
    );
    assert.ok(error instanceof SvaultAuthError && error.status >= 500, String(error));
    assert.equal(await resending.resendLast(), 200, "the same request, sent again, sets the secret");
    assert.ok((await login("quinn", NEW_SECRET)).nonce);
  });
});
