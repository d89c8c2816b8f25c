// Change of the secret by a signed-in user (login protocol §9): Aux Challenge + Change Password
// with the user's API key, through the SDK over REST and over gRPC; the old secret stops working
// at once, a change challenge is bound to its user and to the change flow, and a change is all or
// nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as opaque from "@serenity-kit/opaque";
import { decodeChallengeData, registerCipherKey } from "../../src/sdk/challenge-data.js";
import { encryptCommitment } from "../../src/sdk/commitment.js";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { opaqueIdentifiers } from "../../src/sdk/identity.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { createTenant } from "../support/fixtures.js";
import { failWrites } from "../support/injected-fault.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  call,
  encryptionKeyOf,
  issuerOf,
  LIGHT_STRETCHING,
  RELAXED_BLOCKING,
  register,
  registerUser,
  registrationBody,
  resendingSdk,
  sdk,
  secretOf,
  seedApiKey,
  sql,
} from "./login-helpers.js";

const TENANT = "login-change";
const FIRST = secretOf("482915");
const SECOND = secretOf("730148", [2, 4, 6, 1]);
const THIRD = secretOf("615402", [1, 5, 3, 7]);

let server: TestServer;
let carolId: string;
let carolKey: string;
let daveKey: string;
before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  carolId = await registerUser(server, TENANT, "carol", FIRST);
  carolKey = await seedApiKey(server, TENANT, carolId, ["profile"]);
  const daveId = await registerUser(server, TENANT, "dave", FIRST);
  daveKey = await seedApiKey(server, TENANT, daveId, ["profile"]);
});
after(() => server.close());

const credentialIdOf = async (userId: string) =>
  (await sql<{ credential_id: string }>(server, "select credential_id from user_credential where user_id = ?", [userId]))[0]?.credential_id;

async function loginFails(username: string, secret: string): Promise<void> {
  const error = await sdk(server, TENANT)
    .login({ username, secret })
    .then(
      () => assert.fail(`${username} logged in with an old secret`),
      (caught: unknown) => caught,
    );
  assert.ok(error instanceof SvaultAuthError);
  assert.deepEqual([error.status, error.detail], [401, "Invalid username or secret"]);
}

const loginWorks = async (username: string, secret: string) => assert.ok((await sdk(server, TENANT).login({ username, secret })).nonce);

describe("changing the secret with the SDK", () => {
  it("over REST with the user's API key: the old secret fails, the new one works, the credential id is new", async () => {
    const before = await credentialIdOf(carolId);
    await sdk(server, TENANT, { apiKey: carolKey }).changeSecret({ username: "carol", secret: SECOND, protoVersion: PROTO_VERSION_LIGHT });
    await loginFails("carol", FIRST);
    await loginWorks("carol", SECOND);
    const after = await credentialIdOf(carolId);
    assert.ok(after);
    assert.notEqual(after, before);
  });

  it("over gRPC (ConnectTransport with the API key): the old secret fails, the new one works", async () => {
    await sdk(server, TENANT, { apiKey: carolKey, grpc: true }).changeSecret({
      username: "carol",
      secret: THIRD,
      protoVersion: PROTO_VERSION_LIGHT,
    });
    await loginFails("carol", SECOND);
    assert.ok((await sdk(server, TENANT, { grpc: true }).login({ username: "carol", secret: THIRD })).nonce);
  });
});

describe("Aux Challenge and Change Password", () => {
  it("refuse a caller without credentials (401) and a key without the profile scope (403)", async () => {
    const body = { cipherKey: "register:AAAA" };
    const anonymous = await call(server, "POST", "/api/v1/auth/aux-challenge", { body });
    assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body));
    const narrowKey = await seedApiKey(server, TENANT, carolId, ["users:read"]);
    const narrow = await call(server, "POST", "/api/v1/auth/aux-challenge", { body, headers: { "x-api-key": narrowKey } });
    assert.equal(narrow.status, 403, JSON.stringify(narrow.body));
    const change = await call(server, "POST", "/api/v1/auth/change-password", {
      body: { encrypted_commitment: "x.y.z", proto_version: PROTO_VERSION_LIGHT },
    });
    assert.equal(change.status, 401);
  });

  /** Aux Challenge with carol's key, and her commitment for it (made for carol, with `secret`). */
  async function carolsCommitment(secret: string): Promise<string> {
    await opaque.ready;
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: secret });
    const aux = await call(server, "POST", "/api/v1/auth/aux-challenge", {
      body: { cipherKey: registerCipherKey(registrationRequest) },
      headers: { "x-api-key": carolKey },
    });
    assert.equal(aux.status, 200, JSON.stringify(aux.body));
    const data = decodeChallengeData((aux.body as { challenge_data: string }).challenge_data, "register");
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: data.registration_response,
      password: secret,
      identifiers: { ...opaqueIdentifiers(issuerOf(server, TENANT), TENANT, "carol") },
      keyStretching: LIGHT_STRETCHING,
    });
    return encryptCommitment(await encryptionKeyOf(server, TENANT), {
      challenge_id: data.challenge_id,
      registration_record: registrationRecord,
    });
  }

  it("bind the change challenge to its user: another user's Change Password with it is refused with 400, and burns nothing", async () => {
    const commitment = await carolsCommitment(SECOND);
    const changePassword = (key: string) =>
      call(server, "POST", "/api/v1/auth/change-password", {
        body: { encrypted_commitment: commitment, proto_version: PROTO_VERSION_LIGHT },
        headers: { "x-api-key": key },
      });
    const asDave = await changePassword(daveKey);
    assert.equal(asDave.status, 400, JSON.stringify(asDave.body));
    assert.equal(typeof (asDave.body as { detail: unknown }).detail, "string");
    await loginWorks("dave", FIRST);
    await loginFails("dave", SECOND);
    const asCarol = await changePassword(carolKey);
    assert.equal(asCarol.status, 200, `carol's challenge survived the refused attempt: ${JSON.stringify(asCarol.body)}`);
    await loginWorks("carol", SECOND);
  });

  it("bind the change challenge to the change flow: Register with it is refused with 400", async () => {
    const commitment = await carolsCommitment(SECOND);
    const asRegistration = await register(server, TENANT, registrationBody("carol2", commitment));
    assert.equal(asRegistration.status, 400, JSON.stringify(asRegistration.body));
    const [row] = await sql(server, "select 1 from app_user where tenant_id = ? and username_normalized = 'carol2'", [TENANT]);
    assert.equal(row, undefined);
  });
});

describe("a change is all or nothing", () => {
  it("a Change Password that fails while storing the credential can be sent again unchanged", async () => {
    const resending = resendingSdk(server, TENANT, { apiKey: daveKey });
    const fault = await failWrites(server.db.url, "user_credential", "insert");
    try {
      const error = await resending.client.changeSecret({ username: "dave", secret: THIRD, protoVersion: PROTO_VERSION_LIGHT }).then(
        () => assert.fail("the change succeeded despite the injected fault"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof SvaultAuthError && error.status >= 500, String(error));
    } finally {
      await fault.remove();
    }
    await loginWorks("dave", FIRST);
    assert.equal(await resending.resendLast(), 200, "the same request, sent again, changes the secret");
    await loginWorks("dave", THIRD);
    await loginFails("dave", FIRST);
  });
});
