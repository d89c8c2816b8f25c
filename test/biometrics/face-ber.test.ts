// `ber` on Authenticate (docs/face-liveness.md, "`ber` on Authenticate"), end to end on a real
// server with a real face pool: a face check started for a pending login (Get Challenge's
// challenge_id as Start Liveness's `login_challenge`), Verify Liveness's single-use `result`, and
// that login's Authenticate with `ber: {face_result}` — PIN + face in one Authenticate, so that Sign
// In needs no face step. Over REST and gRPC. Refused with nothing changed: a reference of another
// login, a replayed, an expired, an unknown and a malformed one. A face that is not the user's is
// told only once the secret is proven; an unknown username gets a check like anyone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { FaceService } from "../../gen/svault/face/v1/face_service_pb.js";
import { FaceVerifier } from "../../src/biometrics/face-verifier.js";
import { rest } from "../support/fixtures.js";
import { recordStatements, type StatementLog, tenantTablesOf, untenanted } from "../support/statement-audit.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  forgedKe3,
  INVALID_LOGIN,
  ke3Of,
  type LoginStep1,
  loginStep1,
  proofOf,
  RELAXED_BLOCKING,
  sql,
} from "../login/login-helpers.js";
import { authClient, Browser, REDIRECT_URI, SECRET } from "../oidc/support.js";
import { Application } from "./face-app.js";
import { turning } from "./face-clips.js";

let server: TestServer;
let verifier: FaceVerifier;
let app: Application;
let log: StatementLog;

const UNKNOWN_RESULT = { detail: "The face result is unknown, used, expired or not of this login" };

before(async () => {
  // The job deadline must not decide a verdict on a loaded machine: the runner's per-test limit does.
  verifier = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 600_000 });
  server = await startTestServer({ faceVerifier: verifier });
  log = recordStatements();
  app = await Application.of(server, "face-ber", {
    use_face_recognition: true,
    use_liveness: true,
    liveness_config: { provider: "svault", threshold: 0, max_attempts: 10 },
    // The refusals below are failed guesses of alice: the throttle must not be what answers.
    block_config: RELAXED_BLOCKING,
  });
  // alice enrols her face (s6b) the usual way: after a PIN/pattern step, with a nonce-started check.
  const { authReqId } = await app.start(new Browser());
  const { nonce } = await authClient(server, app.tenantId, authReqId).login({ username: "alice", secret: SECRET });
  const enrol = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce, purpose: "enrol" });
  assert.equal(enrol.status, 200, JSON.stringify(enrol.body));
  const { challenge, direction } = enrol.body as { challenge: string; direction: string };
  const enrolled = await verifyLiveness(authReqId, challenge, await turning("s6b", direction));
  assert.deepEqual(enrolled.body, { nonce: "", amr: [], enrolled: true, result: null });
});
after(async () => {
  log?.stop();
  await server?.close();
  await verifier?.close();
});

const signInUrl = (nonce: string, authReqId: string) =>
  `${server.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`;

const startForLogin = (authReqId: string, loginChallenge: string, extra: Record<string, unknown> = {}) =>
  rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, login_challenge: loginChallenge, ...extra });

const verifyLiveness = (authReqId: string, challenge: string, frames: string[]) =>
  rest(server, undefined, "POST", "/api/v1/face/liveness/verify", { auth_req_id: authReqId, challenge, frames });

/** A face check of `who` for the pending login `step` over REST: Verify Liveness's answer. */
async function faceCheck(authReqId: string, step: LoginStep1, who: string) {
  const started = await startForLogin(authReqId, step.challengeId);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const { challenge, direction } = started.body as { challenge: string; direction: string };
  const verified = await verifyLiveness(authReqId, challenge, await turning(who, direction));
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  return verified.body as { nonce: string; amr: string[]; enrolled: boolean; result: string };
}

const ke3 = (step: LoginStep1, username = "alice") => ke3Of(server, app.tenantId, username, SECRET, step) as string;

const authenticateWith = (authReqId: string, step: LoginStep1, ke3Value: string, ber?: unknown) =>
  authenticate(server, undefined, proofOf("alice", step, ke3Value, ber === undefined ? {} : { ber }), { authReqId });

describe("a face check before Authenticate, referenced by its ber (REST)", () => {
  it("binds to that login: PIN + face in one Authenticate, and Sign In needs no face step (amr pin, pattern, face, mfa)", async () => {
    const browser = new Browser();
    const { authReqId, finish } = await app.start(browser);
    const step = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const checked = await faceCheck(authReqId, step, "s6b");
    // Nothing about the account yet: no nonce, no amr, only the reference.
    assert.equal(checked.nonce, "");
    assert.deepEqual(checked.amr, []);
    assert.ok(checked.result.length >= 32, "a single-use result");

    const answer = await authenticateWith(authReqId, step, ke3(step), { face_result: checked.result });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await browser.redirectOf(signInUrl((answer.body as { nonce: string }).nonce, authReqId));
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI, `the callback, not ${callback}`);
    assert.deepEqual((await finish(callback)).amr, ["pin", "pattern", "face", "mfa"]);
  });

  it("refuses another login's, a replayed, an expired, an unknown and a malformed reference, changing nothing", async () => {
    const browser = new Browser();
    const { authReqId, finish } = await app.start(browser);
    const first = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const second = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const ofFirst = (await faceCheck(authReqId, first, "s6b")).result;

    // The first login's result in the second login's Authenticate: not this login's.
    const foreign = await authenticateWith(authReqId, second, ke3(second), { face_result: ofFirst });
    assert.equal(foreign.status, 401, JSON.stringify(foreign.body));
    assert.deepEqual(foreign.body, UNKNOWN_RESULT);
    const unknown = await authenticateWith(authReqId, second, ke3(second), { face_result: "made-up" });
    assert.deepEqual([unknown.status, unknown.body], [401, UNKNOWN_RESULT]);
    const malformed = await authenticateWith(authReqId, second, ke3(second), { face_result: 42 });
    assert.equal(malformed.status, 422, JSON.stringify(malformed.body));
    assert.deepEqual(
      (malformed.body as { detail: { loc: string[] }[] }).detail.map((violation) => violation.loc),
      [["body", "ber", "face_result"]],
    );

    // None of them changed anything: the first login's result still counts for it…
    const bound = await authenticateWith(authReqId, first, ke3(first), { face_result: ofFirst });
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    // …and the second login still finishes without one (its challenge was not used by the refusals).
    const plain = await authenticateWith(authReqId, second, ke3(second));
    assert.equal(plain.status, 200, JSON.stringify(plain.body));

    // Single use: the same result again, in a new login, is unknown.
    const third = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const replayed = await authenticateWith(authReqId, third, ke3(third), { face_result: ofFirst });
    assert.deepEqual([replayed.status, replayed.body], [401, UNKNOWN_RESULT]);

    // Expired (the database's clock judges it: the row is moved into the past, not waited for).
    const ofThird = (await faceCheck(authReqId, third, "s6b")).result;
    await sql(server, "update face_result set expires_at = now() - interval '1 second' where tenant_id = ? and used_at is null", [
      app.tenantId,
    ]);
    const expired = await authenticateWith(authReqId, third, ke3(third), { face_result: ofThird });
    assert.deepEqual([expired.status, expired.body], [401, UNKNOWN_RESULT]);

    const callback = await browser.redirectOf(signInUrl((bound.body as { nonce: string }).nonce, authReqId));
    assert.deepEqual((await finish(callback)).amr, ["pin", "pattern", "face", "mfa"]);
  });

  it("tells a face that is not the user's only once the secret is proven, and an unknown username gets a check like anyone", async () => {
    const { authReqId } = await app.start(new Browser());
    // Another person's face: Verify Liveness answers exactly as for a match.
    const guessing = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const other = await faceCheck(authReqId, guessing, "s3b");
    assert.deepEqual({ ...other, result: "…" }, { nonce: "", amr: [], enrolled: false, result: "…" });
    // Without the secret: the usual refusal, nothing about the face.
    const withoutSecret = await authenticateWith(authReqId, guessing, forgedKe3(), { face_result: other.result });
    assert.deepEqual([withoutSecret.status, withoutSecret.body], [401, INVALID_LOGIN]);

    // With the secret: the face is refused, and so is the login (its challenge is used).
    const owner = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const mismatch = (await faceCheck(authReqId, owner, "s3b")).result;
    const refused = await authenticateWith(authReqId, owner, ke3(owner), { face_result: mismatch });
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.match((refused.body as { detail: string }).detail, /does not match/);
    const retried = await authenticateWith(authReqId, owner, ke3(owner));
    assert.deepEqual([retried.status, retried.body], [401, INVALID_LOGIN]);

    // A username nobody has: a challenge and a result all the same; Authenticate refuses as usual.
    const nobody = await loginStep1(server, app.tenantId, "nobody", SECRET, { authReqId });
    const ofNobody = await faceCheck(authReqId, nobody, "s6b");
    assert.ok(ofNobody.result.length >= 32);
    const nobodyAnswer = await authenticate(
      server,
      undefined,
      proofOf("nobody", nobody, forgedKe3(), { ber: { face_result: ofNobody.result } }),
      {
        authReqId,
      },
    );
    assert.deepEqual([nobodyAnswer.status, nobodyAnswer.body], [401, INVALID_LOGIN]);
  });

  it("Start Liveness takes exactly one of nonce and login_challenge, a pending login of the same request, and never enrols", async () => {
    const { authReqId } = await app.start(new Browser());
    const other = await app.start(new Browser());
    const step = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const neither = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId });
    assert.equal(neither.status, 422, JSON.stringify(neither.body));
    const both = await startForLogin(authReqId, step.challengeId, { nonce: "some-nonce" });
    assert.equal(both.status, 422, JSON.stringify(both.body));
    const enrol = await startForLogin(authReqId, step.challengeId, { purpose: "enrol" });
    assert.equal(enrol.status, 422, JSON.stringify(enrol.body));
    const elsewhere = await startForLogin(other.authReqId, step.challengeId);
    assert.equal(elsewhere.status, 401, JSON.stringify(elsewhere.body));
    const madeUp = await startForLogin(authReqId, "made-up");
    assert.equal(madeUp.status, 401, JSON.stringify(madeUp.body));
    // Once the login is over, its challenge starts nothing.
    assert.equal((await authenticateWith(authReqId, step, ke3(step))).status, 200);
    const over = await startForLogin(authReqId, step.challengeId);
    assert.equal(over.status, 401, JSON.stringify(over.body));
  });
});

describe("the same over gRPC", () => {
  it("Start Liveness with login_challenge, Verify Liveness's result, Authenticate's ber; a replay is Unauthenticated", async () => {
    const transport = createGrpcTransport({ baseUrl: server.grpcUrl });
    const faceApi = createClient(FaceService, transport);
    const authApi = createClient(AuthService, transport);
    const browser = new Browser();
    const { authReqId, finish } = await app.start(browser);
    const step = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId });
    const started = await faceApi.startLiveness({ authReqId, loginChallenge: step.challengeId });
    const frames = (await turning("s6b", started.direction)).map((frame) => Buffer.from(frame, "base64"));
    const verified = await faceApi.verifyLiveness({ authReqId, challenge: started.challenge, frames });
    assert.equal(verified.nonce, "");
    assert.ok((verified.result ?? "").length >= 32);
    const proof = (forStep: LoginStep1) => ({
      username: "alice",
      cipherKey: forStep.cipherKey,
      challengeId: forStep.challengeId,
      challengeData: ke3(forStep),
      ber: { face_result: verified.result ?? "" },
    });
    const answer = await authApi.authenticate({ authReqId, proof: proof(step) });
    const callback = await browser.redirectOf(signInUrl(answer.nonce, authReqId));
    assert.deepEqual((await finish(callback)).amr, ["pin", "pattern", "face", "mfa"]);

    // The same result in the next sign-in's login: used, and not of that login.
    const next = await app.start(new Browser());
    const again = await loginStep1(server, app.tenantId, "alice", SECRET, { authReqId: next.authReqId });
    const replay = await authApi.authenticate({ authReqId: next.authReqId, proof: proof(again) }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    assert.equal(replay?.code, Code.Unauthenticated);
    assert.equal(replay?.rawMessage, UNKNOWN_RESULT.detail);
  });
});

describe("the face result's statements (test/support/statement-audit.ts)", () => {
  it("each names its tenant, and the flows above reached face_result", () => {
    const onResults = log.statements.filter((text) => tenantTablesOf(text).includes("face_result"));
    assert.ok(onResults.length > 0, "no recorded statement touched face_result");
    assert.deepEqual(
      onResults.flatMap((text) => {
        const why = untenanted(text);
        return why ? [`${why}: ${text.slice(0, 200)}`] : [];
      }),
      [],
    );
  });
});
