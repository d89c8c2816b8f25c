// Malformed and tampered protocol messages (login protocol §1, §2, §6): clear 422s for fields a
// client got wrong, 400 for a commitment that does not decrypt or names an unusable challenge,
// and nothing stored on any error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encryptCommitment } from "../../src/sdk/commitment.js";
import { createTenant, violationLocs } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  countUsers,
  encryptionKeyOf,
  forgedKe3,
  getChallenge,
  loginStep1,
  prepareRegistration,
  proofOf,
  type RawAnswer,
  RELAXED_BLOCKING,
  register,
  registrationBody,
  secretOf,
  sql,
  startLogin,
  userIdOf,
} from "./login-helpers.js";

const TENANT = "login-malformed";
const OTHER = "login-malformed-other";
const SECRET = secretOf("482915");

let server: TestServer;
before(async () => {
  server = await startTestServer();
  for (const tenant of [TENANT, OTHER]) {
    await createTenant(server, tenant, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  }
});
after(() => server.close());

const sortLocs = (res: RawAnswer) =>
  violationLocs(res)
    .map((loc) => JSON.stringify(loc))
    .sort();
const locs = (...expected: (string | number)[][]) => expected.map((loc) => JSON.stringify(loc)).sort();

/** 400 with a `{"detail": "<message>"}` body. */
function assertBadRequest(res: RawAnswer, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  const detail = (res.body as { detail?: unknown }).detail;
  assert.equal(typeof detail, "string", `${what}: ${JSON.stringify(res.body)}`);
  assert.ok((detail as string).length > 0);
}

/** Rows a registration would leave behind. */
async function storedFor(username: string) {
  const userId = await userIdOf(server, TENANT, username);
  const [credentials] = await sql<{ n: string }>(server, "select count(*) as n from user_credential where tenant_id = ?", [TENANT]);
  return { userId, credentials: Number(credentials?.n) };
}

describe("Get Challenge", () => {
  const cipherKeys: [string, string][] = [
    ["without a prefix", "AAAAAAAA"],
    ["with an unknown prefix", "hello:AAAAAAAA"],
    ["login: not base64url", "login:not base64url!"],
    ["login: with padding", "login:AAAAAA=="],
    ["register: not base64url", "register:***"],
    ["login: base64url but no KE1", "login:AAAA"],
    ["register: base64url but no registration request", "register:AAAA"],
  ];
  for (const [what, cipherKey] of cipherKeys) {
    it(`answers 422 at body.cipherKey for a cipherKey ${what}`, async () => {
      const res = await getChallenge(server, TENANT, { username: "someone", cipherKey });
      assert.deepEqual(sortLocs(res), locs(["body", "cipherKey"]));
    });
  }

  it("answers 422 naming each missing field", async () => {
    const { cipherKey } = await startLogin(SECRET);
    assert.deepEqual(sortLocs(await getChallenge(server, TENANT, { cipherKey })), locs(["body", "username"]));
    assert.deepEqual(sortLocs(await getChallenge(server, TENANT, { username: "someone" })), locs(["body", "cipherKey"]));
    assert.deepEqual(sortLocs(await getChallenge(server, TENANT, {})), locs(["body", "username"], ["body", "cipherKey"]));
  });

  it("answers 422 at body.username for a username holding a NUL character (Postgres text cannot), and stores no challenge", async () => {
    const { cipherKey } = await startLogin(SECRET);
    const before = await sql(server, "select id from auth_challenge where tenant_id = ?", [TENANT]);
    const res = await getChallenge(server, TENANT, { username: "some\u0000one", cipherKey });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body, {
      detail: [{ loc: ["body", "username"], msg: "String should not contain the NUL character (U+0000)", type: "string_nul_character" }],
    });
    assert.equal((await sql(server, "select id from auth_challenge where tenant_id = ?", [TENANT])).length, before.length);
  });

  it("stores no challenge for a refused request", async () => {
    const before = await sql(server, "select id from auth_challenge where tenant_id = ?", [TENANT]);
    await getChallenge(server, TENANT, { username: "someone", cipherKey: "login:AAAA" });
    const after = await sql(server, "select id from auth_challenge where tenant_id = ?", [TENANT]);
    assert.equal(after.length, before.length);
  });
});

describe("Authenticate", () => {
  it("answers 422 at body.cipherKey for a cipherKey without a prefix, not base64url, or for registration", async () => {
    const step = await loginStep1(server, TENANT, "someone", SECRET);
    for (const cipherKey of [step.cipherKey.slice("login:".length), "login:***", `register:${step.cipherKey.slice("login:".length)}`]) {
      const res = await authenticate(server, TENANT, proofOf("someone", step, forgedKe3(), { cipherKey }));
      assert.deepEqual(sortLocs(res), locs(["body", "cipherKey"]), cipherKey);
    }
  });

  it("answers 422 at body.username for a username holding a NUL character, and leaves the challenge usable", async () => {
    const step = await loginStep1(server, TENANT, "someone", SECRET);
    const res = await authenticate(server, TENANT, proofOf("some\u0000one", step, forgedKe3()));
    assert.deepEqual(sortLocs(res), locs(["body", "username"]));
    const [row] = await sql(server, "select id from auth_challenge where id = ?", [step.challengeId]);
    assert.ok(row, "not consumed");
  });

  it("answers 422 naming each missing field", async () => {
    const step = await loginStep1(server, TENANT, "someone", SECRET);
    const full = proofOf("someone", step, forgedKe3());
    for (const field of ["username", "cipherKey", "challenge_id", "challenge_data"]) {
      const { [field]: _left, ...body } = full;
      assert.deepEqual(sortLocs(await authenticate(server, TENANT, body)), locs(["body", field]), field);
    }
  });
});

describe("Register", () => {
  it("answers 422 naming each missing field, and stores nothing", async () => {
    const full = registrationBody("missing-fields", "x.y.z");
    for (const field of ["username", "encrypted_commitment", "proto_version"]) {
      const { [field]: _left, ...body } = full;
      assert.deepEqual(sortLocs(await register(server, TENANT, body)), locs(["body", field]), field);
    }
    assert.equal((await storedFor("missing-fields")).userId, undefined);
  });

  it("answers 422 at body.username for a username outside [a-zA-Z0-9_.@-], and at body.email for a malformed e-mail", async () => {
    const body = registrationBody("two words", "x.y.z");
    assert.deepEqual(sortLocs(await register(server, TENANT, body)), locs(["body", "username"]));
    const email = registrationBody("mail-user", "x.y.z", { email: "not-an-address" });
    assert.deepEqual(sortLocs(await register(server, TENANT, email)), locs(["body", "email"]));
  });

  it("refuses an unsupported proto_version with 422 at body.proto_version, and creates no user", async () => {
    const before = await storedFor("old-suite");
    const prepared = await prepareRegistration(server, TENANT, "old-suite", SECRET);
    for (const protoVersion of [
      "opaque-3dh/ristretto255-sha512/argon2id-m1024-t1-p1",
      "opaque-3dh/p256-sha256/argon2id-m65536-t3-p1",
      "v1",
    ]) {
      const res = await register(server, TENANT, registrationBody("old-suite", prepared.commitment, { proto_version: protoVersion }));
      assert.deepEqual(sortLocs(res), locs(["body", "proto_version"]), protoVersion);
    }
    assert.deepEqual(await storedFor("old-suite"), before);
  });

  it("refuses a tampered commitment with 400 and stores nothing; the untampered one registers", async () => {
    const before = await storedFor("tampered");
    const prepared = await prepareRegistration(server, TENANT, "tampered", SECRET);
    const parts = prepared.commitment.split(".");
    assert.equal(parts.length, 5, "a compact JWE");
    for (const index of [0, 2, 3, 4]) {
      const bytes = Buffer.from(parts[index] as string, "base64url");
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString("base64url") : part)).join(".");
      assertBadRequest(await register(server, TENANT, registrationBody("tampered", tampered)), `byte flipped in part ${index}`);
    }
    assertBadRequest(await register(server, TENANT, registrationBody("tampered", "not-a-jwe")), "not a JWE");
    assert.deepEqual(await storedFor("tampered"), before, "nothing stored");
    // The same commitment untouched is fine: it was the flipped byte that was refused.
    const ok = await register(server, TENANT, registrationBody("tampered", prepared.commitment));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body, null);
  });

  it("refuses a commitment encrypted to another tenant's key with 400, and stores nothing", async () => {
    const before = await storedFor("elsewhere");
    const otherKey = await encryptionKeyOf(server, OTHER);
    const ownKey = await encryptionKeyOf(server, TENANT);
    assert.notEqual(otherKey.kid, ownKey.kid);
    const prepared = await prepareRegistration(server, TENANT, "elsewhere", SECRET, { encryptTo: otherKey });
    assertBadRequest(await register(server, TENANT, registrationBody("elsewhere", prepared.commitment)), "other tenant's key");
    // Encrypted to the other tenant's key but naming this tenant's kid: does not decrypt.
    const forgedKid = await encryptCommitment({ ...otherKey, kid: ownKey.kid as string }, prepared.payload);
    assertBadRequest(await register(server, TENANT, registrationBody("elsewhere", forgedKid)), "other key under our kid");
    assert.deepEqual(await storedFor("elsewhere"), before, "nothing stored");
    // The other tenant cannot use it either: the challenge is not its own.
    assertBadRequest(await register(server, OTHER, registrationBody("elsewhere", prepared.commitment)), "at the other tenant");
    assert.equal(await userIdOf(server, OTHER, "elsewhere"), undefined);
  });

  it("refuses a commitment reusing a consumed challenge with 400", async () => {
    const prepared = await prepareRegistration(server, TENANT, "first-owner", SECRET);
    const first = await register(server, TENANT, registrationBody("first-owner", prepared.commitment));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // The same record under the same challenge, freshly encrypted, for another username…
    const again = await encryptCommitment(await encryptionKeyOf(server, TENANT), prepared.payload);
    assertBadRequest(await register(server, TENANT, registrationBody("first-owner", again)), "same username");
    assertBadRequest(await register(server, TENANT, registrationBody("second-owner", again)), "other username");
    assert.equal(await userIdOf(server, TENANT, "second-owner"), undefined);
  });

  it("refuses a commitment whose challenge is for another username, or is a login challenge, with 400", async () => {
    const users = await countUsers(server, TENANT);
    const prepared = await prepareRegistration(server, TENANT, "intended", SECRET);
    assertBadRequest(await register(server, TENANT, registrationBody("intruder", prepared.commitment)), "other username");

    const login = await loginStep1(server, TENANT, "intended", SECRET);
    const loginChallenge = await encryptCommitment(await encryptionKeyOf(server, TENANT), {
      challenge_id: login.challengeId,
      registration_record: prepared.registrationRecord,
    });
    assertBadRequest(await register(server, TENANT, registrationBody("intended", loginChallenge)), "login challenge");
    assert.equal(await countUsers(server, TENANT), users, "nothing stored");
  });

  it("refuses a commitment whose payload lacks the record with 400", async () => {
    const prepared = await prepareRegistration(server, TENANT, "no-record", SECRET);
    const key = await encryptionKeyOf(server, TENANT);
    const empty = await encryptCommitment(key, { challenge_id: prepared.challengeId, registration_record: "" });
    assertBadRequest(await register(server, TENANT, registrationBody("no-record", empty)), "empty record");
    assert.equal(await userIdOf(server, TENANT, "no-record"), undefined);
  });
});
