// Two instances of the service on one database (login protocol §7): any instance finishes a login
// that another began, and a challenge stays single use across instances — also at the instance
// that issued it and still holds its state in memory (src/domain/login/pending-logins.ts). The two
// run their plain statements differently (src/persistence/plain-sql.ts): the first pipelined on
// connections of its own, the second on the ORM's pool.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  forgedKe3,
  INVALID_LOGIN,
  ke3Of,
  loginStep1,
  proofOf,
  RELAXED_BLOCKING,
  type RawAnswer,
  registerUser,
  secretOf,
  sql,
  startLogin,
  userIdOf,
} from "./login-helpers.js";

const TENANT = "login-instances";
const SECRET = secretOf("271828");

let first: TestServer;
let second: TestServer;
before(async () => {
  first = await startTestServer();
  second = await startTestServer({ instanceOf: first, env: { DATABASE_PIPELINES: "0" } });
  await createTenant(first, TENANT, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await registerUser(first, TENANT, "ada", SECRET);
});
after(async () => {
  await second?.close();
  await first?.close();
});

async function run(at: TestServer) {
  const step = await loginStep1(at, TENANT, "ada", SECRET);
  const ke3 = ke3Of(at, TENANT, "ada", SECRET, step);
  assert.ok(ke3, "the right secret yields a KE3");
  return { step, ke3 };
}

function assertNonce(res: RawAnswer): string {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { nonce: string }).nonce;
}

function assertInvalid(res: RawAnswer, what: string): void {
  assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, INVALID_LOGIN, what);
}

const noncesOfAda = async () =>
  (
    await sql<{ n: number }>(first, "select count(*)::int as n from login_nonce where user_id = ?", [await userIdOf(first, TENANT, "ada")])
  )[0]?.n;

async function lastAuthenticateReason(): Promise<string | undefined> {
  await Promise.all([first.running.events.flush(), second.running.events.flush()]);
  const [row] = await sql<{ reason: string }>(
    first,
    "select reason from auth_event where tenant_id = ? and kind = 'authenticate' order by at desc, id desc limit 1",
    [TENANT],
  );
  return row?.reason;
}

describe("a login begun at one instance", () => {
  it("is finished by another, with a nonce stored once", async () => {
    const before = await noncesOfAda();
    const { step, ke3 } = await run(first);
    const nonce = assertNonce(await authenticate(second, TENANT, proofOf("ada", step, ke3)));
    const [row] = await sql<{ user_id: string }>(first, "select user_id from login_nonce where hash = ?", [
      createHash("sha256").update(nonce).digest(),
    ]);
    assert.equal(row?.user_id, await userIdOf(first, TENANT, "ada"));
    assert.equal(await noncesOfAda(), (before ?? 0) + 1);
  });

  it("is refused at the issuing instance once another consumed it, although that instance still holds its state", async () => {
    const { step, ke3 } = await run(first);
    assertNonce(await authenticate(second, TENANT, proofOf("ada", step, ke3)));
    const before = await noncesOfAda();
    assertInvalid(await authenticate(first, TENANT, proofOf("ada", step, ke3)), "replayed at the issuer");
    assert.equal(await lastAuthenticateReason(), "unknown_or_expired_challenge");
    assert.equal(await noncesOfAda(), before, "no second nonce");
  });

  it("burned at the issuing instance by a wrong KE3 is refused at the other", async () => {
    const { step, ke3 } = await run(first);
    assertInvalid(await authenticate(first, TENANT, proofOf("ada", step, forgedKe3())), "forged KE3");
    assert.equal(await lastAuthenticateReason(), "wrong_secret");
    assertInvalid(await authenticate(second, TENANT, proofOf("ada", step, ke3)), "the right KE3 elsewhere afterwards");
    assert.equal(await lastAuthenticateReason(), "unknown_or_expired_challenge");
  });

  it("is bound to its KE1 at either instance: the issuer compares the KE1 it holds, the other the stored hash", async () => {
    for (const [issuer, other] of [
      [first, first],
      [first, second],
    ] as const) {
      const { step, ke3 } = await run(issuer);
      const another = await startLogin(SECRET);
      assertInvalid(await authenticate(other, TENANT, proofOf("ada", step, ke3, { cipherKey: another.cipherKey })), "another KE1");
      assert.equal(await lastAuthenticateReason(), "ke1_mismatch");
      assertInvalid(await authenticate(other, TENANT, proofOf("ada", step, ke3)), "the right KE1 afterwards");
      assert.equal(await lastAuthenticateReason(), "unknown_or_expired_challenge");
    }
  });

  it("lets exactly one of concurrent Authenticates at both instances through", async () => {
    const { step, ke3 } = await run(first);
    const answers = await Promise.all([first, second, first, second].map((at) => authenticate(at, TENANT, proofOf("ada", step, ke3))));
    assert.deepEqual(answers.map((res) => res.status).sort(), [200, 401, 401, 401]);
  });
});
