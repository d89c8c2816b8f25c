// The SDK against OPAQUE's server side, in-process, no HTTP: first the bare steps against
// @serenity-kit/opaque's server functions (identifiers §3, key stretching §2), then every flow of
// SvaultAuthClient against a spec-following stand-in server. The light proto_version keeps it fast.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as opaque from "@serenity-kit/opaque";
import { encodeChallengeData } from "../../src/sdk/challenge-data.js";
import { INVALID_LOGIN_DETAIL, SvaultAuthError } from "../../src/sdk/errors.js";
import { clientIdentifier, opaqueIdentifiers, tenantIdFromIssuer } from "../../src/sdk/identity.js";
import { finishLogin, finishRegistration, startLogin, startRegistration } from "../../src/sdk/opaque-flow.js";
import { PROTO_VERSION_DEFAULT, PROTO_VERSION_LIGHT, UnsupportedProtoVersionError } from "../../src/sdk/proto-version.js";
import { encodeSecret } from "../../src/sdk/secret.js";
import { SvaultAuthClient } from "../../src/sdk/svault-auth-client.js";
import { InProcessAuthServer } from "./support/in-process-auth-server.js";

const ISSUER = "https://id.example.com/acme";
const policy = { usePin: true, pinSize: 6, usePattern: true, patterSize: 3, loginOrder: ["PIN", "PATTERN"] };
const SECRET = encodeSecret(policy, { pin: "482915", pattern: [0, 4, 8, 5] });
const OTHER_SECRET = encodeSecret(policy, { pin: "482916", pattern: [0, 4, 8, 5] });

const isStatus = (status: number) => (error: unknown) => {
  assert.equal((error as { status?: unknown }).status, status, String(error));
  return true;
};

describe("identities (§3)", () => {
  it("are the issuer and tenant:normalized username", () => {
    assert.equal(clientIdentifier("acme", "  ＡＬＩＣＥ "), "acme:alice");
    assert.deepEqual(opaqueIdentifiers(ISSUER, "acme", "Bob.Smith"), { client: "acme:bob.smith", server: ISSUER });
    assert.equal(tenantIdFromIssuer("https://id.example.com/acme"), "acme");
    assert.equal(tenantIdFromIssuer("https://id.example.com/prefix/acme/"), "acme");
    assert.throws(() => tenantIdFromIssuer("https://id.example.com/"), /names no tenant/);
  });
});

describe("the OPAQUE steps against the server functions", () => {
  let serverSetup: string;
  const credentialId = "cred-1";
  const identifiers = opaqueIdentifiers(ISSUER, "acme", "Alice");

  async function registerRecord(secret: string, protoVersion: string, ids = identifiers): Promise<string> {
    const started = await startRegistration(secret);
    assert.match(started.cipherKey, /^register:[A-Za-z0-9_-]+$/);
    const { registrationResponse } = opaque.server.createRegistrationResponse({
      serverSetup,
      userIdentifier: credentialId,
      registrationRequest: started.cipherKey.slice("register:".length),
    });
    const challengeData = encodeChallengeData({
      v: 1,
      kind: "register",
      challenge_id: "reg-1",
      registration_response: registrationResponse,
    });
    const finished = await finishRegistration({ started, secret, challengeData, protoVersion, identifiers: ids });
    assert.equal(finished.challengeId, "reg-1");
    assert.equal(finished.protoVersion, protoVersion);
    return finished.registrationRecord;
  }

  /** Runs a login; the server side always uses the spec's identifiers for Alice. */
  async function loginWith(record: string, secret: string, protoVersion: string, clientIds = identifiers) {
    const started = await startLogin(secret);
    assert.match(started.cipherKey, /^login:[A-Za-z0-9_-]+$/);
    const { serverLoginState, loginResponse } = opaque.server.startLogin({
      serverSetup,
      registrationRecord: record,
      startLoginRequest: started.cipherKey.slice("login:".length),
      userIdentifier: credentialId,
      identifiers,
    });
    const challengeData = encodeChallengeData({ v: 1, kind: "login", challenge_id: "login-1", login_response: loginResponse });
    const finished = await finishLogin({ started, secret, challengeData, protoVersion, identifiers: clientIds });
    if (!finished) return undefined;
    const { sessionKey } = opaque.server.finishLogin({ serverLoginState, finishLoginRequest: finished.finishLoginRequest, identifiers });
    return { finished, serverSessionKey: sessionKey };
  }

  before(async () => {
    await opaque.ready;
    serverSetup = opaque.server.createSetup();
  });

  it("registers and logs in with the same identifiers and stretching", async () => {
    const record = await registerRecord(SECRET, PROTO_VERSION_LIGHT);
    const result = await loginWith(record, SECRET, PROTO_VERSION_LIGHT);
    assert.ok(result);
    assert.equal(result.finished.challengeId, "login-1");
    assert.equal(result.finished.sessionKey, result.serverSessionKey);
  });

  it("fails finishLogin with a wrong secret", async () => {
    const record = await registerRecord(SECRET, PROTO_VERSION_LIGHT);
    assert.equal(await loginWith(record, OTHER_SECRET, PROTO_VERSION_LIGHT), undefined);
  });

  it("fails with mismatched identifiers, on either side", async () => {
    const record = await registerRecord(SECRET, PROTO_VERSION_LIGHT);
    const otherClient = opaqueIdentifiers(ISSUER, "acme", "mallory");
    const otherTenant = opaqueIdentifiers("https://id.example.com/globex", "globex", "alice");
    const otherServer = { client: identifiers.client, server: "https://evil.example.com/acme" };
    for (const ids of [otherClient, otherTenant, otherServer]) {
      assert.equal(await loginWith(record, SECRET, PROTO_VERSION_LIGHT, ids), undefined, JSON.stringify(ids));
    }
    // A record made with other identifiers does not open with the spec's ones.
    const wrongRecord = await registerRecord(SECRET, PROTO_VERSION_LIGHT, otherClient);
    assert.equal(await loginWith(wrongRecord, SECRET, PROTO_VERSION_LIGHT), undefined);
  });

  it("fails when the login stretches differently from the registration", async () => {
    const record = await registerRecord(SECRET, PROTO_VERSION_LIGHT);
    assert.equal(await loginWith(record, SECRET, PROTO_VERSION_DEFAULT), undefined);
  });

  it("refuses an unsupported proto_version before any work", async () => {
    await assert.rejects(registerRecord(SECRET, "opaque-3dh/ristretto255-sha512/argon2id-m8-t1-p1"), UnsupportedProtoVersionError);
  });
});

describe("SvaultAuthClient against an in-process server", () => {
  let server: InProcessAuthServer;
  let client: SvaultAuthClient;

  before(async () => {
    server = await InProcessAuthServer.create({ tenantId: "acme", issuer: ISSUER, registrationVersion: PROTO_VERSION_LIGHT });
    client = new SvaultAuthClient({ transport: server.transport(), issuer: ISSUER, logData: { app: "test" } });
  });

  it("registers, then logs in with the normalized username", async () => {
    await client.register({ username: "Alice", email: "alice@example.com", secret: SECRET });
    assert.equal(server.users.get("alice")?.protoVersion, PROTO_VERSION_LIGHT, "the version the server's challenge named");
    const result = await client.login({ username: " ＡＬＩＣＥ", secret: SECRET });
    assert.equal(typeof result.nonce, "string");
    assert.equal(result.needVerify, false);
  });

  it("throws 401 for a wrong secret without calling Authenticate", async () => {
    server.calls.length = 0;
    await assert.rejects(client.login({ username: "alice", secret: OTHER_SECRET }), (error: unknown) => {
      assert.ok(error instanceof SvaultAuthError);
      assert.equal(error.status, 401);
      assert.equal(error.detail, INVALID_LOGIN_DETAIL);
      return true;
    });
    assert.deepEqual(server.calls, ["getChallenge"]);
  });

  it("throws the same 401 for an unknown username (fake KE2)", async () => {
    await assert.rejects(client.login({ username: "nobody", secret: SECRET }), isStatus(401));
  });

  it("fails to log in when the client names another issuer", async () => {
    const wrong = new SvaultAuthClient({ transport: server.transport(), issuer: "https://other.example.com/acme" });
    await assert.rejects(wrong.login({ username: "alice", secret: SECRET }), isStatus(401));
  });

  it("refuses a taken username with the server's 409", async () => {
    await assert.rejects(client.register({ username: "ALICE", secret: OTHER_SECRET }), isStatus(409));
    await client.login({ username: "alice", secret: SECRET });
  });

  it("registers with an explicit proto_version and logs in with it", async () => {
    await client.register({ username: "carol", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    assert.equal(server.users.get("carol")?.protoVersion, PROTO_VERSION_LIGHT);
    await client.login({ username: "carol", secret: SECRET });
  });

  it("registers with the default (64 MiB) proto_version", async () => {
    await client.register({ username: "dave", secret: SECRET, protoVersion: PROTO_VERSION_DEFAULT });
    assert.equal(server.users.get("dave")?.protoVersion, PROTO_VERSION_DEFAULT);
    await client.login({ username: "dave", secret: SECRET });
    await assert.rejects(client.login({ username: "dave", secret: OTHER_SECRET }), isStatus(401));
  });

  it("refuses to register with an unsupported proto_version", async () => {
    await assert.rejects(client.register({ username: "erin", secret: SECRET, protoVersion: "x" }), UnsupportedProtoVersionError);
  });

  it("fetches the JWKS once for several registrations", async () => {
    const fresh = new SvaultAuthClient({ transport: server.transport(), issuer: ISSUER });
    server.calls.length = 0;
    await fresh.register({ username: "frank", secret: SECRET });
    await fresh.register({ username: "grace", secret: SECRET });
    assert.equal(server.calls.filter((c) => c === "getJwks").length, 1);
  });

  it("uses a given encryption key without fetching the JWKS", async () => {
    const { keys } = await server.transport().getJwks("acme");
    const pinned = new SvaultAuthClient({ transport: server.transport(), issuer: ISSUER, encryptionKey: keys[1] });
    server.calls.length = 0;
    await pinned.register({ username: "heidi", secret: SECRET });
    assert.deepEqual(server.calls, ["getChallenge", "register"]);
  });

  it("changes the secret of the signed-in caller: the old one stops working", async () => {
    await client.register({ username: "ivan", secret: SECRET });
    const signedIn = new SvaultAuthClient({ transport: server.transport("ivan"), issuer: ISSUER });
    await signedIn.changeSecret({ username: "Ivan", secret: OTHER_SECRET });
    await assert.rejects(client.login({ username: "ivan", secret: SECRET }), isStatus(401));
    await client.login({ username: "ivan", secret: OTHER_SECRET });
    await assert.rejects(client.changeSecret({ username: "ivan", secret: SECRET }), isStatus(401), "anonymous");
  });

  it("resets the secret with an e-mailed code", async () => {
    await client.register({ username: "judy", email: "judy@example.com", secret: SECRET });
    await client.requestReset({ username: "judy", email: "judy@example.com" });
    const code = server.resetCodes.get("judy");
    assert.ok(code);
    await assert.rejects(client.resetWithCode({ code: "wrong", username: "judy", secret: OTHER_SECRET }), isStatus(400));
    await client.resetWithCode({ code, username: "judy", secret: OTHER_SECRET });
    await assert.rejects(client.login({ username: "judy", secret: SECRET }), isStatus(401));
    await client.login({ username: "judy", secret: OTHER_SECRET });
  });

  it("verifies an e-mail address", async () => {
    await client.verifyEmail("good-code");
    await assert.rejects(client.verifyEmail("bad-code"), isStatus(400));
  });

  it("refuses a tenantId that contradicts the issuer", () => {
    assert.throws(() => new SvaultAuthClient({ transport: server.transport(), issuer: ISSUER, tenantId: "globex" }), /does not match/);
    assert.equal(new SvaultAuthClient({ transport: server.transport(), issuer: ISSUER, tenantId: "acme" }).tenantId, "acme");
  });
});
