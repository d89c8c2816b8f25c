// A login challenge is single use, short-lived and bound to its KE1, username, tenant and
// authorization request (login protocol §7 step 3): every misuse is the same 401 as a wrong secret,
// even with a KE3 that is otherwise correct.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  createClient,
  forgedKe3,
  INVALID_LOGIN,
  insertAuthRequest,
  ke3Of,
  type LoginStep1,
  loginStep1,
  proofOf,
  type RawAnswer,
  RELAXED_BLOCKING,
  registerUser,
  secretOf,
  sql,
  startLogin,
  userIdOf,
} from "./login-helpers.js";

const A = "login-bind-a";
const B = "login-bind-b";
const SECRET = secretOf("482915");

let server: TestServer;
before(async () => {
  server = await startTestServer();
  for (const tenant of [A, B]) {
    await createTenant(server, tenant, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  }
  await registerUser(server, A, "alice", SECRET);
  await registerUser(server, A, "bob", SECRET);
  // The same username and secret in another tenant.
  await registerUser(server, B, "alice", SECRET);
  await createClient(server, A, "bind-app");
});
after(() => server.close());

/** Get Challenge for alice at A with the right secret, and the KE3 that goes with it. */
async function aliceRun(options: { authReqId?: string } = {}): Promise<{ step: LoginStep1; ke3: string }> {
  const step = await loginStep1(server, A, "alice", SECRET, options);
  const ke3 = ke3Of(server, A, "alice", SECRET, step);
  assert.ok(ke3, "the right secret yields a KE3");
  return { step, ke3 };
}

function assertInvalid(res: RawAnswer, what: string): void {
  assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, INVALID_LOGIN, what);
}

function assertNonce(res: RawAnswer): string {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const body = res.body as { nonce: string; need_verify?: boolean };
  assert.match(body.nonce, /^[A-Za-z0-9_-]{43}$/);
  return body.nonce;
}

const challengeExists = async (id: string) => (await sql(server, "select 1 from auth_challenge where id = ?", [id])).length === 1;

describe("a login challenge is single use", () => {
  it("succeeds once; the same Authenticate again is refused", async () => {
    const { step, ke3 } = await aliceRun();
    assertNonce(await authenticate(server, A, proofOf("alice", step, ke3)));
    assert.equal(await challengeExists(step.challengeId), false, "consumed");
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3)), "replay");
  });

  it("is consumed by a failed attempt: a correct KE3 afterwards is refused", async () => {
    const { step, ke3 } = await aliceRun();
    assertInvalid(await authenticate(server, A, proofOf("alice", step, forgedKe3())), "forged KE3");
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3)), "correct KE3 after a failure");
  });

  it("lets exactly one of three concurrent Authenticates with the same proof through", async () => {
    const { step, ke3 } = await aliceRun();
    const answers = await Promise.all([1, 2, 3].map(() => authenticate(server, A, proofOf("alice", step, ke3))));
    assert.deepEqual(answers.map((res) => res.status).sort(), [200, 401, 401]);
  });

  it("stores a hash of the nonce, bound to the tenant and the user", async () => {
    const { step, ke3 } = await aliceRun();
    const nonce = assertNonce(await authenticate(server, A, proofOf("alice", step, ke3)));
    const hash = createHash("sha256").update(nonce).digest();
    const rows = await sql<{ tenant_id: string; user_id: string; auth_req_id: string | null; ttl: number }>(
      server,
      "select tenant_id, user_id, auth_req_id, extract(epoch from expires_at - created_at)::int as ttl from login_nonce where hash = ?",
      [hash],
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0], { tenant_id: A, user_id: await userIdOf(server, A, "alice"), auth_req_id: null, ttl: 300 });
  });
});

describe("a login challenge expires", () => {
  it("after two minutes", async () => {
    const { step } = await aliceRun();
    const [row] = await sql<{ ttl: number }>(
      server,
      "select extract(epoch from expires_at - created_at)::int as ttl from auth_challenge where id = ?",
      [step.challengeId],
    );
    assert.equal(row?.ttl, 120);
  });

  it("is refused once expired, even with a correct KE3", async () => {
    const { step, ke3 } = await aliceRun();
    await sql(server, "update auth_challenge set expires_at = now() - interval '1 second' where id = ?", [step.challengeId]);
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3)), "expired");
  });
});

describe("a login challenge is bound to", () => {
  it("its KE1: another cipherKey at Authenticate is refused, and the challenge is gone", async () => {
    const { step, ke3 } = await aliceRun();
    const other = await startLogin(SECRET);
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3, { cipherKey: other.cipherKey })), "other KE1");
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3)), "the right KE1 afterwards");
  });

  it("its username: alice's run presented as bob's is refused", async () => {
    const { step, ke3 } = await aliceRun();
    assertInvalid(await authenticate(server, A, proofOf("bob", step, ke3)), "other username");
    assertInvalid(await authenticate(server, A, proofOf("alice", step, ke3)), "the right username afterwards");
  });

  it("its tenant: a challenge of tenant A is unknown at tenant B, for the same username and secret", async () => {
    const { step, ke3 } = await aliceRun();
    assertInvalid(await authenticate(server, B, proofOf("alice", step, ke3)), "other tenant");
    // And a KE3 made for B's alice is no good at A either.
    const atB = await loginStep1(server, B, "alice", SECRET);
    const ke3B = ke3Of(server, B, "alice", SECRET, atB);
    assert.ok(ke3B);
    assertInvalid(await authenticate(server, A, proofOf("alice", atB, ke3B)), "B's challenge at A");
  });

  it("its authorization request: with and without auth_req_id do not mix", async () => {
    const authReqId = await insertAuthRequest(server, A, "bind-app");
    const withRequest = await aliceRun({ authReqId });
    assertInvalid(await authenticate(server, A, proofOf("alice", withRequest.step, withRequest.ke3)), "auth_req_id dropped");

    const without = await aliceRun();
    assertInvalid(await authenticate(server, undefined, proofOf("alice", without.step, without.ke3), { authReqId }), "auth_req_id added");

    const bound = await aliceRun({ authReqId });
    const nonce = assertNonce(await authenticate(server, undefined, proofOf("alice", bound.step, bound.ke3), { authReqId }));
    const [row] = await sql<{ auth_req_id: string }>(server, "select auth_req_id from login_nonce where hash = ?", [
      createHash("sha256").update(nonce).digest(),
    ]);
    assert.equal(row?.auth_req_id, authReqId, "the nonce is bound to the authorization request");
  });
});
