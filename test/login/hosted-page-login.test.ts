// The login of the hosted pages — every OIDC sign-in — names its authorization request
// (`auth_req_id`) instead of its tenant (login protocol §5, §7): the request's tenant decides, and
// its client reaches the audit trail. Each step reads the request with its own first statement, so
// such a login costs the statements of a `tenant_id` login — Get Challenge 2, Authenticate 1 at the
// instance that issued the challenge (2 at another) — counted here as Postgres receives them
// (test/support/statement-audit.ts). An unknown or expired request is refused at either step with
// the same 404 as before (REST and gRPC), and nothing is written: no challenge, no guess counted,
// no audit event, a challenge issued for the request left as it was — also when the request
// expires or is deleted between the two steps, at the issuing instance and at another.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { after, before, describe, it } from "node:test";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { registerCipherKey } from "../../src/sdk/challenge-data.js";
import { createTenant } from "../support/fixtures.js";
import { recordStatements } from "../support/statement-audit.js";
import { untouched } from "../support/tenant-isolation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  createClient as createOidcClient,
  getChallenge,
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
} from "./login-helpers.js";

const A = "hosted-a";
const B = "hosted-b";
const APP = "hosted-app";
const OTHER_APP = "hosted-other-app";
const B_APP = "hosted-b-app";
const SECRET = secretOf("314159");

let first: TestServer;
let second: TestServer;
before(async () => {
  first = await startTestServer();
  // A second instance on the same database, without the first one's challenges in memory.
  second = await startTestServer({ instanceOf: first, env: { DATABASE_PIPELINES: "0" } });
  for (const tenant of [A, B]) {
    await createTenant(first, tenant, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
    await registerUser(first, tenant, "alice", SECRET);
  }
  await createOidcClient(first, A, APP);
  await createOidcClient(first, A, OTHER_APP);
  await createOidcClient(first, B, B_APP);
  // One login first, so that what is counted below is a login's own statements (the tenant's
  // OPAQUE setup is then loaded, as on any running instance).
  await login(first, await insertAuthRequest(first, A, APP));
});
after(async () => {
  await second?.close();
  await first?.close();
});

/** Get Challenge for alice at A through `authReqId`, and the KE3 that goes with it. */
async function challengeVia(authReqId: string, at = first): Promise<{ step: LoginStep1; ke3: string }> {
  const step = await loginStep1(at, A, "alice", SECRET, { authReqId });
  const ke3 = ke3Of(at, A, "alice", SECRET, step);
  assert.ok(ke3, "the right secret yields a KE3");
  return { step, ke3 };
}

/** A whole login of alice at A through `authReqId`: the nonce. */
async function login(at: TestServer, authReqId: string): Promise<string> {
  const { step, ke3 } = await challengeVia(authReqId, at);
  return nonceOf(await authenticate(at, undefined, proofOf("alice", step, ke3), { authReqId }));
}

function nonceOf(res: RawAnswer): string {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { nonce: string }).nonce;
}

/** The statements Postgres receives while `work` runs, but the audit trail's batches (written whenever they are due). */
async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const log = recordStatements();
  try {
    const result = await work();
    return { result, statements: log.statements.filter((text) => !/\binto auth_event\b/.test(text)) };
  } finally {
    log.stop();
  }
}

const expire = (authReqId: string) =>
  sql(first, "update auth_request set expires_at = now() - interval '1 second' where id = ?", [authReqId]);
const renew = (authReqId: string) =>
  sql(first, "update auth_request set expires_at = now() + interval '10 minutes' where id = ?", [authReqId]);
const remove = (authReqId: string) => sql(first, "delete from auth_request where id = ?", [authReqId]);

/** Writes the audit events both instances hold (they are written in batches). */
const flushEvents = () => Promise.all([first.running.events.flush(), second.running.events.flush()]);

/** Runs `work` and asserts that no row of either tenant changed, audit events included. */
async function nothingWritten(work: () => Promise<void>): Promise<void> {
  const orm = first.running.database.orm;
  await flushEvents();
  await untouched(orm, A, () =>
    untouched(orm, B, async () => {
      await work();
      await flushEvents();
    }),
  );
}

interface AuditedAuthenticate {
  tenant_id: string;
  reason: string;
  client_id: string | null;
}

async function lastAuthenticate(): Promise<AuditedAuthenticate | undefined> {
  await flushEvents();
  const [row] = await sql<AuditedAuthenticate>(
    first,
    "select tenant_id, reason, client_id from auth_event where kind = 'authenticate' order by at desc, id desc limit 1",
  );
  return row;
}

/**
 * What the service answered for an unknown or expired request before the login read the request
 * itself, and still answers where the request is read on its own: the registration's Get Challenge
 * (a `register:` cipherKey), which resolves the request first.
 */
async function unknownRequestAnswer(authReqId: string): Promise<RawAnswer> {
  const res = await getChallenge(first, undefined, { username: "nobody", cipherKey: registerCipherKey("AAAA") }, { authReqId });
  assert.equal(res.status, 404, JSON.stringify(res.body));
  assert.match((res.body as { detail: string }).detail, /authorization request is unknown or has expired/);
  return res;
}

function assertSameRefusal(res: RawAnswer, expected: RawAnswer, what: string): void {
  assert.equal(res.status, expected.status, `${what}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, expected.body, what);
  assert.equal(res.headers.get("content-type"), expected.headers.get("content-type"), what);
}

async function grpcRefusal(call: () => Promise<unknown>): Promise<ConnectError> {
  const error = await call().then(
    () => undefined,
    (thrown: unknown) => ConnectError.from(thrown),
  );
  assert.ok(error, "refused");
  return error;
}

/** The statements of each step of one login of alice at A: through `authReqId`, or with `tenant_id` when undefined; Authenticate at `finishAt`. */
async function countedLogin(authReqId: string | undefined, finishAt = first) {
  const challenge = await statementsOf(async () => {
    const step = await loginStep1(first, A, "alice", SECRET, { authReqId });
    return { step, ke3: ke3Of(first, A, "alice", SECRET, step) as string };
  });
  const { step, ke3 } = challenge.result;
  const done = await statementsOf(async () =>
    nonceOf(await authenticate(finishAt, authReqId ? undefined : A, proofOf("alice", step, ke3), { authReqId })),
  );
  return { getChallenge: challenge.statements, authenticate: done.statements, nonce: done.result };
}

describe("a hosted-page login (auth_req_id) costs the statements of a tenant_id login", () => {
  it("Get Challenge 2 and Authenticate 1, the request read by each step's first statement", async () => {
    const authReqId = await insertAuthRequest(first, A, APP);
    const counted = await countedLogin(authReqId);
    const described = JSON.stringify(counted, null, 1);
    assert.equal(counted.getChallenge.length, 2, described);
    const [guessState, countAndStore] = counted.getChallenge as [string, string];
    assert.match(guessState, /from auth_request ar .* where ar\.id = \$\d+ and ar\.expires_at > now\(\)/, described);
    assert.match(guessState, /join app_user u/, "with the guess's state and the user");
    assert.match(countAndStore, /insert into auth_challenge/, "then the guess counted and the challenge stored");
    assert.equal(counted.authenticate.length, 1, described);
    assert.match(
      counted.authenticate[0] as string,
      /from auth_request ar .*delete from auth_challenge.*insert into login_nonce/,
      described,
    );

    const [row] = await sql<{ tenant_id: string; auth_req_id: string }>(
      first,
      "select tenant_id, auth_req_id from login_nonce where hash = ?",
      [createHash("sha256").update(counted.nonce).digest()],
    );
    assert.deepEqual(row, { tenant_id: A, auth_req_id: authReqId }, "the nonce is the request's tenant's, bound to the request");
    assert.deepEqual(
      await lastAuthenticate(),
      { tenant_id: A, reason: "authenticated", client_id: APP },
      "the client reaches the audit trail",
    );
  });

  it("as many as with tenant_id; Authenticate at another instance: 2 (consume, then complete)", async () => {
    const byTenant = await countedLogin(undefined);
    assert.deepEqual([byTenant.getChallenge.length, byTenant.authenticate.length], [2, 1], JSON.stringify(byTenant, null, 1));
    const elsewhere = await countedLogin(await insertAuthRequest(first, A, APP), second);
    assert.deepEqual([elsewhere.getChallenge.length, elsewhere.authenticate.length], [2, 2], JSON.stringify(elsewhere, null, 1));
    assert.match(elsewhere.authenticate[0] as string, /from auth_request ar .*delete from auth_challenge/);
  });
});

describe("an unknown or expired auth_req_id", () => {
  it("at Get Challenge: the same 404 as before, over REST and gRPC, with nothing written", async () => {
    const expired = await insertAuthRequest(first, A, APP);
    await expire(expired);
    const grpc = createClient(AuthService, createGrpcTransport({ baseUrl: first.grpcUrl }));
    for (const authReqId of ["no-such-request", expired]) {
      const expected = await unknownRequestAnswer(authReqId);
      const { cipherKey } = await startLogin(SECRET);
      await nothingWritten(async () => {
        assertSameRefusal(await getChallenge(first, undefined, { username: "alice", cipherKey }, { authReqId }), expected, authReqId);
        const error = await grpcRefusal(() => grpc.getChallenge({ authReqId, challenge: { username: "alice", cipherKey } }));
        assert.equal(error.code, Code.NotFound);
        assert.equal(error.rawMessage, (expected.body as { detail: string }).detail);
      });
    }
  });

  it("at Authenticate: the same 404, over REST and gRPC; the challenge is left for its own request", async () => {
    const authReqId = await insertAuthRequest(first, A, APP);
    const expired = await insertAuthRequest(first, A, APP);
    await expire(expired);
    const grpc = createClient(AuthService, createGrpcTransport({ baseUrl: first.grpcUrl }));
    const { step, ke3 } = await challengeVia(authReqId);
    for (const other of ["no-such-request", expired]) {
      const expected = await unknownRequestAnswer(other);
      await nothingWritten(async () => {
        assertSameRefusal(await authenticate(first, undefined, proofOf("alice", step, ke3), { authReqId: other }), expected, other);
        const proof = { username: "alice", cipherKey: step.cipherKey, challengeId: step.challengeId, challengeData: ke3 };
        const error = await grpcRefusal(() => grpc.authenticate({ authReqId: other, proof }));
        assert.equal(error.code, Code.NotFound);
        assert.equal(error.rawMessage, (expected.body as { detail: string }).detail);
      });
    }
    nonceOf(await authenticate(first, undefined, proofOf("alice", step, ke3), { authReqId }));
  });
});

describe("a request that expires or is deleted between Get Challenge and Authenticate", () => {
  for (const [finish, at] of [
    ["at the issuing instance", () => first],
    ["at another instance", () => second],
  ] as const) {
    it(`is refused ${finish} with the same 404, the challenge left and nothing written`, async () => {
      for (const [change, undo] of [
        [expire, renew],
        [remove, undefined],
      ] as const) {
        const authReqId = await insertAuthRequest(first, A, APP);
        const { step, ke3 } = await challengeVia(authReqId);
        await change(authReqId);
        const expected = await unknownRequestAnswer(authReqId);
        await nothingWritten(async () => {
          assertSameRefusal(await authenticate(at(), undefined, proofOf("alice", step, ke3), { authReqId }), expected, change.name);
        });
        if (undo) {
          // Nothing was consumed: once the request is live again, the same proof logs in.
          await undo(authReqId);
          nonceOf(await authenticate(at(), undefined, proofOf("alice", step, ke3), { authReqId }));
        }
      }
    });
  }
});

/** Authenticate through `authReqId` with a step-1 run of alice, which must fail as every refused login does. */
async function assertRefused(at: TestServer, run: { step: LoginStep1; ke3: string }, authReqId: string, what: string): Promise<void> {
  const res = await authenticate(at, undefined, proofOf("alice", run.step, run.ke3), { authReqId });
  assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, INVALID_LOGIN, what);
}

describe("a challenge presented with another authorization request", () => {
  it("of the same tenant: 401, recorded as auth_request_mismatch with that request's client, and the challenge is spent", async () => {
    const issuedFor = await insertAuthRequest(first, A, APP);
    const another = await insertAuthRequest(first, A, OTHER_APP);
    for (const at of [first, second]) {
      const run = await challengeVia(issuedFor);
      await assertRefused(at, run, another, "another request");
      assert.deepEqual(await lastAuthenticate(), { tenant_id: A, reason: "auth_request_mismatch", client_id: OTHER_APP });
      await assertRefused(at, run, issuedFor, "its own request afterwards");
      assert.deepEqual(await lastAuthenticate(), { tenant_id: A, reason: "unknown_or_expired_challenge", client_id: APP });
    }
  });

  it("of another tenant: 401 in that tenant, with its client; the challenge is left for its own request", async () => {
    const issuedFor = await insertAuthRequest(first, A, APP);
    const ofB = await insertAuthRequest(first, B, B_APP);
    for (const at of [first, second]) {
      const run = await challengeVia(issuedFor);
      await assertRefused(at, run, ofB, "a request of B");
      assert.deepEqual(await lastAuthenticate(), { tenant_id: B, reason: "unknown_or_expired_challenge", client_id: B_APP });
      nonceOf(await authenticate(at, undefined, proofOf("alice", run.step, run.ke3), { authReqId: issuedFor }));
    }
  });
});
