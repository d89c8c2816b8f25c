// Tenant isolation of the face factor's rows (issue 15; docs/face-liveness.md): FaceRepository's
// statements — liveness challenges, sealed templates, the results waiting for a login's
// Authenticate (`ber`) and the Liveness Report's rollup — run for tenant A with tenant B's hashes,
// ids and login challenges, see none of B's rows and change none of them (test/support/
// tenant-isolation.ts), next to a positive control on A's own rows. The two tenants share the
// username, so that a statement that lost its tenant predicate would find B's rows. Every
// statement sent is then checked against the statement rule (test/support/statement-audit.ts).
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { FaceRepository } from "../../src/persistence/repositories/face-repository.js";
import { recordStatements, type StatementLog, tenantTablesOf, untenanted } from "../support/statement-audit.js";
import { untouched } from "../support/tenant-isolation.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
let log: StatementLog;
const A = "fiso-a";
const B = "fiso-b";
const USERNAME = "alice";
const BLOCK = { user_free_attempts: 3, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 };

/** One tenant's face rows: a user with a template, a login nonce and a pending login of one request, challenges and a result. */
interface Seeded {
  readonly userId: string;
  readonly authReqId: string;
  readonly nonceHash: Buffer;
  readonly loginChallengeId: string;
  readonly templateId: string;
  /** A challenge issued after an earlier step (the nonce). */
  readonly challengeHash: Buffer;
  /** A challenge issued for the pending login. */
  readonly loginFaceHash: Buffer;
  readonly resultHash: Buffer;
}

const run = (text: string, params: unknown[] = []) => t.orm.em.getConnection().execute(text, params);
const faceOf = (tenantId: string) => new FaceRepository(t.database.sql, tenantId);
const count = async (text: string, params: unknown[]) => Number(((await run(text, params)) as { n: string }[])[0]?.n);

async function seed(tenantId: string, checks: number): Promise<Seeded> {
  const s: Seeded = {
    userId: randomUUID(),
    authReqId: randomBytes(24).toString("base64url"),
    nonceHash: randomBytes(32),
    loginChallengeId: randomBytes(24).toString("base64url"),
    templateId: randomUUID(),
    challengeHash: randomBytes(32),
    loginFaceHash: randomBytes(32),
    resultHash: randomBytes(32),
  };
  const em = t.orm.em.fork();
  em.create(TenantEntity, { id: tenantId, blockConfig: BLOCK, loginOrder: ["PIN"], useFaceRecognition: true });
  await em.flush();
  await run(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, roles, locale, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, '[]', '', now(), now())`,
    [s.userId, tenantId, USERNAME, USERNAME, "alice@example.com", "alice@example.com"],
  );
  await run(
    `insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at)
     values (?, ?, 'app', '{}', now() + interval '10 minutes', now())`,
    [s.authReqId, tenantId],
  );
  await run(
    `insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
     values (?, ?, ?, ?, '["pin"]', now() + interval '5 minutes', now())`,
    [s.nonceHash, tenantId, s.userId, s.authReqId],
  );
  await run(
    `insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed, credential_id,
       auth_req_id, proto_version, expires_at, created_at)
     values (?, ?, 'login', ?, ?, ?, ?, null, ?, '1', now() + interval '2 minutes', now())`,
    [s.loginChallengeId, tenantId, USERNAME, s.userId, randomBytes(32), randomBytes(32), s.authReqId],
  );
  await run("insert into face_template (id, tenant_id, user_id, sealed, created_at) values (?, ?, ?, ?, now())", [
    s.templateId,
    tenantId,
    s.userId,
    randomBytes(64),
  ]);
  const face = faceOf(tenantId);
  await face.storeChallenge({
    hash: s.challengeHash,
    userId: s.userId,
    authReqId: s.authReqId,
    purpose: "sign_in",
    direction: "left",
    ttlSeconds: 30,
  });
  await face.storeChallenge({
    hash: s.loginFaceHash,
    userId: s.userId,
    authReqId: s.authReqId,
    loginChallengeId: s.loginChallengeId,
    purpose: "sign_in",
    direction: "right",
    ttlSeconds: 30,
  });
  const stored = await face.storeResult(
    { hash: s.resultHash, loginChallengeId: s.loginChallengeId, authReqId: s.authReqId, userId: s.userId, verdict: "face" },
    { passed: true, durationMs: 900 },
  );
  assert.equal(stored, true);
  for (let i = 1; i < checks; i++) await face.recordOutcome({ passed: false, reason: "no_face", durationMs: 500 });
  return s;
}

let a: Seeded;
let b: Seeded;

before(async () => {
  t = await openTestOrm();
  log = recordStatements();
  a = await seed(A, 1);
  b = await seed(B, 3);
});
after(async () => {
  log.stop();
  await t.close();
});

describe("FaceRepository sees and changes only its tenant's face rows", () => {
  it("starting a check: B's nonce and B's pending login name nobody in A; A's own name A's user", async () => {
    await untouched(t.orm, B, async () => {
      const foreignNonce = await faceOf(A).stepStart(b.nonceHash, b.authReqId);
      assert.equal(foreignNonce?.user, undefined);
      assert.equal(foreignNonce?.useFaceRecognition, true, "A's own settings");
      const foreignLogin = await faceOf(A).loginStart(b.loginChallengeId, b.authReqId);
      assert.equal(foreignLogin?.login, undefined);
      assert.equal(foreignLogin?.issued, 0, "B's challenges of that login are not counted");

      const own = await faceOf(A).stepStart(a.nonceHash, a.authReqId);
      assert.equal(own?.user?.id, a.userId);
      assert.equal(own?.user?.template?.id, a.templateId);
      assert.equal(own?.issued, 2);
      const ownLogin = await faceOf(A).loginStart(a.loginChallengeId, a.authReqId);
      assert.deepEqual(ownLogin?.login, { userId: a.userId });
      assert.equal(ownLogin?.issued, 1);
    });
  });

  it("using a challenge: B's is not used for A (nor is its template read); A's are", async () => {
    await untouched(t.orm, B, async () => {
      assert.equal((await faceOf(A).useChallenge(b.challengeHash))?.challenge, undefined);
      assert.equal((await faceOf(A).useChallenge(b.loginFaceHash))?.challenge, undefined);
      const own = await faceOf(A).useChallenge(a.challengeHash);
      assert.equal(own?.challenge?.userId, a.userId);
      assert.equal(own?.challenge?.template?.id, a.templateId);
      const ownLogin = await faceOf(A).useChallenge(a.loginFaceHash);
      assert.deepEqual(ownLogin?.challenge?.login, { challengeId: a.loginChallengeId, pending: true });
    });
  });

  it("results: B's is neither used nor stored over for A; A's own is used once", async () => {
    await untouched(t.orm, B, async () => {
      assert.equal(await faceOf(A).useResult(b.resultHash, b.loginChallengeId), undefined);
      // A result for B's pending login, written for A: the login is not A's, so nothing is written.
      const stored = await faceOf(A).storeResult(
        { hash: randomBytes(32), loginChallengeId: b.loginChallengeId, authReqId: b.authReqId, userId: b.userId, verdict: "face" },
        { passed: true, durationMs: 800 },
      );
      assert.equal(stored, false);
      assert.deepEqual(await faceOf(A).useResult(a.resultHash, a.loginChallengeId), { userId: a.userId, verdict: "face" });
      assert.equal(await faceOf(A).useResult(a.resultHash, a.loginChallengeId), undefined, "single use");
    });
    assert.equal(await count("select count(*) as n from face_result where tenant_id = ?", [A]), 1);
  });

  it("templates: B's user has none in A, and removing them in A leaves B's", async () => {
    await untouched(t.orm, B, async () => {
      const face = faceOf(A);
      assert.equal(await face.hasTemplate(b.userId), false);
      assert.equal(await face.templateOf(b.userId), undefined);
      assert.equal(await face.deleteTemplateOf(b.userId), false);
      assert.equal(await face.hasTemplate(a.userId), true);
      assert.equal((await face.templateOf(a.userId))?.id, a.templateId);
      assert.equal(await face.deleteTemplateOf(a.userId), true);
      assert.equal(await face.saveTemplate({ id: randomUUID(), userId: a.userId, sealed: randomBytes(64) }), true);
      assert.equal(await face.deleteAllTemplates(), 1);
    });
  });

  it("the rollup: A's report counts only A's checks, and counting one more leaves B's", async () => {
    await untouched(t.orm, B, async () => {
      const start = new Date(Date.now() - 86_400_000);
      const end = new Date(Date.now() + 86_400_000);
      const before = await faceOf(A).rollup("day", start, end);
      assert.equal(
        before.reduce((sum, row) => sum + row.attempts, 0),
        1,
        "A's one check, not B's three",
      );
      await faceOf(A).recordOutcome({ passed: true, durationMs: 700 });
      const afterOne = await faceOf(A).rollup("minute", start, end);
      assert.ok(afterOne.reduce((sum, row) => sum + row.attempts, 0) >= 2);
    });
    const ofB = await faceOf(B).rollup("day", new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000));
    assert.equal(
      ofB.reduce((sum, row) => sum + row.attempts, 0),
      3,
      "the positive control: B's own",
    );
  });

  it("names an unknown tenant as such", async () => {
    assert.equal(await faceOf("fiso-none").stepStart(a.nonceHash, a.authReqId), undefined);
    assert.equal(await faceOf("fiso-none").loginStart(a.loginChallengeId, a.authReqId), undefined);
    assert.equal(await faceOf("fiso-none").useChallenge(a.challengeHash), undefined);
  });
});

describe("the statements FaceRepository sends", () => {
  it("each names its tenant, and they reached every face table", () => {
    const broken = [...new Set(log.statements)].flatMap((statement) => {
      const why = untenanted(statement);
      return why ? [`${why}: ${statement.slice(0, 200)}`] : [];
    });
    assert.deepEqual(broken, []);
    const touched = new Set(log.statements.flatMap(tenantTablesOf));
    for (const table of ["face_challenge", "face_template", "face_result", "liveness_rollup"]) {
      assert.ok(touched.has(table), `no statement reached ${table}`);
    }
  });
});
