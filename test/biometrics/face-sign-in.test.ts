// The face step end to end (docs/face-liveness.md): a real server with a real face pool, an
// openid-client application, the PIN/pattern step through the SDK, then Start/Verify Liveness over
// REST with JPEG clips made from the test faces (face-images.ts), and Sign In. Covers enrolment
// after an earlier step, a match with the same face (amr face, mfa), a mismatch with another face,
// a still clip against a real turn requirement, an expired and a replayed challenge, several faces,
// an oversized upload, the templates going with the user and with the factor, and the Liveness
// Report counting what happened. The clips: face-clips.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { FaceVerifier } from "../../src/biometrics/face-verifier.js";
import { rest } from "../support/fixtures.js";
import { recordStatements, type StatementLog, tenantTablesOf, untenanted } from "../support/statement-audit.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { authClient, Browser, REDIRECT_URI, SECRET, setUpTenant } from "../oidc/support.js";
import { Application } from "./face-app.js";
import { still, turning } from "./face-clips.js";
import { face, faceFrame, twoFacesFrame } from "./face-images.js";

let server: TestServer;
let verifier: FaceVerifier;
/** Every statement of the file, for the tenant rule of issue 15 on the face tables (last test). */
let log: StatementLog;
before(async () => {
  // The job deadline must not decide a verdict on a loaded machine: the runner's per-test limit does.
  verifier = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 600_000 });
  server = await startTestServer({ faceVerifier: verifier });
  log = recordStatements();
});
after(async () => {
  log?.stop();
  await server?.close();
  await verifier?.close();
});

async function pinStep(tenantId: string, authReqId: string): Promise<string> {
  return (await authClient(server, tenantId, authReqId).login({ username: "alice", secret: SECRET })).nonce;
}

const signInUrl = (nonce: string, authReqId: string) =>
  `${server.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`;

interface Started {
  challenge: string;
  direction: string;
  expires_in: number;
  frame_count: number;
  min_turn_degrees: number;
}

async function startLiveness(authReqId: string, nonce: string, purpose = "sign_in"): Promise<Started> {
  const res = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce, purpose });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Started;
}

const verifyLiveness = (authReqId: string, challenge: string, frames: string[]) =>
  rest(server, undefined, "POST", "/api/v1/face/liveness/verify", { auth_req_id: authReqId, challenge, frames });

async function countRows(table: "face_template" | "face_challenge", tenantId: string): Promise<number> {
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    const { rows } = await client.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

async function expireChallenges(tenantId: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    // The challenge's expiry is the database's clock: moved into the past rather than waited for.
    await client.query("update face_challenge set expires_at = now() - interval '1 second' where tenant_id = $1", [tenantId]);
  } finally {
    await client.end();
  }
}

describe("liveness_config through the tenant API", () => {
  it("round-trips every field, keeps unset ones at their defaults and refuses out-of-range values with 422", async () => {
    await setUpTenant(server, "face-config", { clientId: "webapp" }, "alice", {
      use_liveness: true,
      liveness_config: { provider: "svault", threshold: 0.5, min_turn_degrees: 25, frame_count: 12 },
    });
    const read = await rest(server, server.adminKey, "GET", "/api/v1/tenants/face-config");
    assert.equal(read.status, 200);
    assert.deepEqual((read.body as { liveness_config: unknown }).liveness_config, {
      provider: "svault",
      threshold: 0.5,
      match_threshold: 0.45,
      min_turn_degrees: 25,
      max_start_yaw_degrees: 15,
      frame_count: 12,
      challenge_timeout_seconds: 30,
      max_attempts: 3,
    });
    const bad = await rest(server, server.adminKey, "PUT", "/api/v1/tenants/face-config", {
      tenant_id: "face-config",
      login_order: ["PIN", "PATTERN"],
      liveness_config: { provider: "svault", threshold: 0.5, min_turn_degrees: 90, challenge_timeout_seconds: 60 },
    });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    const locs = (bad.body as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join("."));
    assert.deepEqual(locs.sort(), ["body.liveness_config.challenge_timeout_seconds", "body.liveness_config.min_turn_degrees"]);
    const unchanged = await rest(server, server.adminKey, "GET", "/api/v1/tenants/face-config");
    assert.equal((unchanged.body as { liveness_config: { min_turn_degrees: number } }).liveness_config.min_turn_degrees, 25);
  });
});

describe("a tenant with face recognition and liveness", () => {
  let app: Application;
  before(async () => {
    app = await Application.of(server, "face-live", {
      use_face_recognition: true,
      use_liveness: true,
      liveness_config: { provider: "svault", threshold: 0, max_attempts: 10 },
    });
  });

  it("enrols after the PIN/pattern step with the user's consent, then signs in with PIN + a matching face (amr face, mfa)", async () => {
    // Not enrolled: after the PIN/pattern the face step (a liveness check) comes next.
    const browser = new Browser();
    const first = await app.start(browser);
    const pin = await pinStep(app.tenantId, first.authReqId);
    const next = await browser.redirectOf(signInUrl(pin, first.authReqId));
    assert.equal(next.searchParams.get("step"), "face");

    // Get Face Enrolment tells the page to offer enrolment (only to the holder of a live nonce).
    const enrolment = () => rest(server, undefined, "POST", "/api/v1/face/enrolment", { auth_req_id: first.authReqId, nonce: pin });
    assert.deepEqual((await enrolment()).body, { enrolled: false, offer_enrolment: true });
    const guessed = await rest(server, undefined, "POST", "/api/v1/face/enrolment", { auth_req_id: first.authReqId, nonce: "made-up" });
    assert.equal(guessed.status, 401, JSON.stringify(guessed.body));

    // The page asked for consent; the enrolment challenge enrols, and answers no nonce.
    const enrol = await startLiveness(first.authReqId, pin, "enrol");
    assert.ok(enrol.direction === "left" || enrol.direction === "right");
    assert.ok(enrol.expires_in > 0 && enrol.expires_in <= 30);
    const enrolled = await verifyLiveness(first.authReqId, enrol.challenge, await turning("s6b", enrol.direction));
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.deepEqual(enrolled.body, { nonce: "", amr: [], enrolled: true, result: null });
    assert.equal(await countRows("face_template", app.tenantId), 1);
    assert.deepEqual((await enrolment()).body, { enrolled: true, offer_enrolment: false });
    // A second enrolment is refused: a template is never replaced by whoever knows the PIN.
    const again = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", {
      auth_req_id: first.authReqId,
      nonce: pin,
      purpose: "enrol",
    });
    assert.equal(again.status, 409, JSON.stringify(again.body));

    // Enrolled now: the PIN alone is not enough; the face step with the same face is.
    assert.equal((await browser.redirectOf(signInUrl(pin, first.authReqId))).searchParams.get("step"), "face");
    const check = await startLiveness(first.authReqId, pin);
    const passed = await verifyLiveness(first.authReqId, check.challenge, await turning("s6b", check.direction));
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
    const { nonce, amr } = passed.body as { nonce: string; amr: string[] };
    assert.deepEqual(amr, ["face"]);
    // The challenge was single use: replaying the upload is refused (and checks nothing).
    const replay = await verifyLiveness(first.authReqId, check.challenge, await turning("s6b", check.direction));
    assert.equal(replay.status, 401);
    assert.match(JSON.stringify(replay.body), /unknown, used or expired/);

    const callback = await browser.redirectOf(signInUrl(nonce, first.authReqId));
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI, `the callback, not ${callback}`);
    const claims = await first.finish(callback);
    assert.deepEqual(claims.amr, ["pin", "pattern", "face", "mfa"]);
  });

  it("refuses another person's face (mismatch), a still clip (no turn), several faces and an expired challenge", async () => {
    const browser = new Browser();
    const { authReqId } = await app.start(browser);
    const pin = await pinStep(app.tenantId, authReqId);

    const other = await startLiveness(authReqId, pin);
    const mismatch = await verifyLiveness(authReqId, other.challenge, await turning("s3b", other.direction));
    assert.equal(mismatch.status, 401, JSON.stringify(mismatch.body));
    assert.match((mismatch.body as { detail: string }).detail, /does not match/);

    const stillCheck = await startLiveness(authReqId, pin);
    const noTurn = await verifyLiveness(authReqId, stillCheck.challenge, await still("s6b"));
    assert.equal(noTurn.status, 401);
    assert.match((noTurn.body as { detail: string }).detail, /did not turn/);

    const crowd = await startLiveness(authReqId, pin);
    const two = (await twoFacesFrame(face("s6b"), face("s3b"))).toString("base64");
    const several = await verifyLiveness(authReqId, crowd.challenge, [two, two, two, two]);
    assert.equal(several.status, 401);
    assert.match((several.body as { detail: string }).detail, /more than one face/);

    const late = await startLiveness(authReqId, pin);
    await expireChallenges(app.tenantId);
    const expired = await verifyLiveness(authReqId, late.challenge, await turning("s6b", late.direction));
    assert.equal(expired.status, 401);
    assert.match(JSON.stringify(expired.body), /unknown, used or expired/);

    // None of them made a nonce: the PIN's nonce alone still leads to the face step.
    assert.equal((await browser.redirectOf(signInUrl(pin, authReqId))).searchParams.get("step"), "face");
  });

  it("refuses bad uploads before using the challenge: too large for the request limit, or not enough frames", async () => {
    const browser = new Browser();
    const { authReqId } = await app.start(browser);
    const pin = await pinStep(app.tenantId, authReqId);
    const started = await startLiveness(authReqId, pin);
    const huge = Buffer.alloc(600 * 1024, 1).toString("base64");
    const oversized = await verifyLiveness(authReqId, started.challenge, [huge, huge]);
    assert.equal(oversized.status, 413);
    const one = await verifyLiveness(authReqId, started.challenge, [(await faceFrame(face("s6b"))).toString("base64")]);
    assert.equal(one.status, 422, JSON.stringify(one.body));
    // The challenge is still usable.
    const passed = await verifyLiveness(authReqId, started.challenge, await turning("s6b", started.direction));
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
  });

  it("never starts a login: a face check needs an earlier step's live nonce of the same request", async () => {
    const { authReqId } = await app.start(new Browser());
    const refused = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce: "made-up" });
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
  });

  it("answers the Liveness Report from what happened, and refuses a minute resolution over a year", async () => {
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 60_000).toISOString();
    const report = await rest(
      server,
      server.adminKey,
      "GET",
      `/api/v1/analytics/liveness?${new URLSearchParams({ tenant_id: app.tenantId, start, end, resolution: "hour" })}`,
    );
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const total = (report.body as { total: Record<string, unknown> }).total;
    // The tests above: an enrolment and two sign-ins passed; a mismatch, a still clip, several faces
    // and an expiry failed (refused uploads and the replay were not checks).
    assert.equal(total.attempts, "7");
    assert.equal(total.passed, "3");
    assert.deepEqual(total.failed, { no_face: "0", several_faces: "1", challenge_not_met: "1", mismatch: "1", timeout: "1", other: "0" });
    assert.ok((total.median_ms as number) > 0 && (total.p95_ms as number) >= (total.median_ms as number));
    const buckets = (report.body as { buckets: { attempts: string }[] }).buckets;
    const hour = 3_600_000;
    assert.equal(buckets.length, Math.ceil((Date.parse(end) - Math.floor(Date.parse(start) / hour) * hour) / hour));
    assert.equal(
      buckets.reduce((sum, bucket) => sum + Number(bucket.attempts), 0),
      7,
    );

    const tooLong = await rest(
      server,
      server.adminKey,
      "GET",
      `/api/v1/analytics/liveness?${new URLSearchParams({ tenant_id: app.tenantId, start: "2025-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z", resolution: "minute" })}`,
    );
    assert.equal(tooLong.status, 422, JSON.stringify(tooLong.body));
  });

  it("deletes the templates with the user, and all of them when the tenant turns the factor off", async () => {
    assert.equal(await countRows("face_template", app.tenantId), 1);
    const off = await rest(server, server.adminKey, "PUT", `/api/v1/tenants/${app.tenantId}`, {
      tenant_id: app.tenantId,
      login_order: ["PIN", "PATTERN"],
      use_face_recognition: false,
      use_liveness: false,
    });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(await countRows("face_template", app.tenantId), 0);
  });
});

describe("the face tables' statements (test/support/statement-audit.ts)", () => {
  it("each names its tenant, and the flows above reached every face table", () => {
    const FACE_TABLES = ["face_challenge", "face_template", "liveness_rollup"];
    const onFaceTables = log.statements.filter((text) => tenantTablesOf(text).some((table) => FACE_TABLES.includes(table)));
    assert.deepEqual(
      onFaceTables.flatMap((text) => {
        const why = untenanted(text);
        return why ? [`${why}: ${text.slice(0, 200)}`] : [];
      }),
      [],
    );
    const touched = new Set(onFaceTables.flatMap(tenantTablesOf));
    assert.deepEqual(
      FACE_TABLES.filter((table) => !touched.has(table)),
      [],
      "face tables no recorded statement touched",
    );
  });
});
