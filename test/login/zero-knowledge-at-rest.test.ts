// What the server keeps (login protocol §11, the design brief's "Keys and storage"): never the
// PIN or the secret string; the OPAQUE record and server setup only sealed with the KEK; and a copy
// of the database alone does not allow checking a guess — the KEK is the only missing piece.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import * as opaque from "@serenity-kit/opaque";
import pg from "pg";
import { keyEncryptionKeyOf, keyringOf } from "../../src/crypto/key-encryption-key.js";
import { open, SecretBoxError } from "../../src/crypto/secret-box.js";
import { opaqueIdentifiers } from "../../src/sdk/identity.js";
import { encodeSecret } from "../../src/sdk/secret.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  forgedKe3,
  issuerOf,
  LIGHT_STRETCHING,
  loginStep1,
  prepareRegistration,
  proofOf,
  RELAXED_BLOCKING,
  register,
  registrationBody,
  sdk,
  sql,
  userIdOf,
} from "./login-helpers.js";

const TENANT = "login-zk";
const PIN = "482913";
const PIN_ONLY = { usePin: true, pinSize: 6, usePattern: false, patterSize: 3, loginOrder: ["PIN"] };
const SECRET = encodeSecret(PIN_ONLY, { pin: PIN });
const WRONG_GUESS = encodeSecret(PIN_ONLY, { pin: "482914" });

let server: TestServer;
let userId: string;
let registrationRecord: string;
/**
 * Every row of every table, as text, twice: with bytea columns in hex (`\x…`) and in escape form
 * (printable bytes as they are). The PIN's digits are looked for in the escape form, where random
 * bytes cannot spell them by chance as they could in hex; the rest in both.
 */
let dump: { hex: string; escape: string };
let tables: string[];

before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT, {
    register_enable: true,
    has_username_and_email: false,
    use_pattern: false,
    block_config: RELAXED_BLOCKING,
  });
  // Registration by hand, to know the record the client made.
  const prepared = await prepareRegistration(server, TENANT, "zoe", SECRET);
  registrationRecord = prepared.registrationRecord;
  const res = await register(server, TENANT, registrationBody("zoe", prepared.commitment, { log_data: { device: "test" } }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  userId = (await userIdOf(server, TENANT, "zoe")) as string;
  // Leave traces of a successful and a failed login too (challenge, nonce, counters, events).
  assert.ok((await sdk(server, TENANT).login({ username: "zoe", secret: SECRET, logData: { app: "zk" } })).nonce);
  const failed = await loginStep1(server, TENANT, "zoe", WRONG_GUESS);
  assert.equal((await authenticate(server, TENANT, proofOf("zoe", failed, forgedKe3()))).status, 401);
  await loginStep1(server, TENANT, "zoe", SECRET); // a challenge left pending
  await server.running.events.flush();

  tables = (
    await sql<{ table_name: string }>(
      server,
      "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1",
    )
  ).map((row) => row.table_name);
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    const dumpAs = async (output: "hex" | "escape") => {
      await client.query(`set bytea_output = '${output}'`);
      const rows: string[] = [];
      for (const table of tables) {
        const result = await client.query<{ row: string }>(`select t::text as row from "${table}" t`);
        for (const row of result.rows) rows.push(`${table}: ${row.row}`);
      }
      return rows.join("\n");
    };
    dump = { hex: await dumpAs("hex"), escape: await dumpAs("escape") };
  } finally {
    await client.end();
  }
});
after(() => server.close());

const hexOf = (text: string) => Buffer.from(text, "utf8").toString("hex");

/** The KEK id a sealed value names (its header: version, id length, id). */
const kekIdOf = (sealed: Buffer) => sealed.subarray(2, 2 + (sealed[1] as number)).toString("ascii");

async function sealedSetup(): Promise<Buffer> {
  const [row] = await sql<{ setup_sealed: Buffer }>(server, "select setup_sealed from opaque_setup where tenant_id = ?", [TENANT]);
  assert.ok(row);
  return row.setup_sealed;
}

async function sealedRecord(): Promise<{ record_sealed: Buffer; credential_id: string }> {
  const [row] = await sql<{ record_sealed: Buffer; credential_id: string }>(
    server,
    "select record_sealed, credential_id from user_credential where user_id = ?",
    [userId],
  );
  assert.ok(row);
  return row;
}

const setupAad = `opaque-setup:${TENANT}`;
const recordAad = () => `opaque-record:${TENANT}:${userId}`;

describe("a copy of the database", () => {
  it("covers every table, the user's rows included", () => {
    for (const table of ["app_user", "user_credential", "opaque_setup", "auth_challenge", "auth_event", "login_nonce", "tenant_key"]) {
      assert.ok(tables.includes(table), table);
    }
    for (const text of [dump.hex, dump.escape]) {
      assert.ok(text.includes("zoe"), "the dump holds the user's rows");
      assert.match(text, /"+app"+: "+zk"+/, "and the client's log_data");
    }
    assert.match(dump.hex, /^opaque_setup: \(login-zk,"\\\\x[0-9a-f]+"/m, "bytea in hex");
    assert.doesNotMatch(dump.escape, /^opaque_setup: \(login-zk,"\\\\x/m, "bytea in escape form");
  });

  it("holds neither the PIN nor the secret string, in any encoding, and neither do the logs", () => {
    const needles = [PIN, SECRET, Buffer.from(SECRET).toString("base64url"), Buffer.from(SECRET).toString("base64")];
    for (const needle of needles) {
      assert.equal(dump.escape.includes(needle), false, `the database holds ${needle}`);
      assert.equal(server.logs.text().includes(needle), false, `the log holds ${needle}`);
    }
    for (const needle of [SECRET, hexOf(PIN), hexOf(SECRET)])
      assert.equal(dump.hex.includes(needle), false, `the database holds ${needle}`);
  });

  it("holds the registration record only sealed", () => {
    assert.equal(dump.escape.includes(registrationRecord), false);
    assert.equal(dump.hex.includes(registrationRecord), false);
    assert.equal(dump.hex.includes(Buffer.from(registrationRecord, "base64url").toString("hex")), false, "not even as raw bytes");
  });

  it("cannot open the record or the setup with any other KEK", async () => {
    const setup = await sealedSetup();
    const { record_sealed: record } = await sealedRecord();
    const otherKek = keyringOf(keyEncryptionKeyOf(randomBytes(32)));
    // A different KEK, and one forged to carry the real KEK's id.
    const impostor = keyringOf({ id: kekIdOf(setup), key: randomBytes(32) });
    for (const [keyring, reason] of [
      [otherKek, "UNKNOWN_KEK"],
      [impostor, "AUTHENTICATION_FAILED"],
    ] as const) {
      for (const [sealed, aad] of [
        [setup, setupAad],
        [record, recordAad()],
      ] as const) {
        assert.throws(
          () => open(keyring, sealed, aad),
          (error: unknown) => error instanceof SecretBoxError && error.reason === reason,
        );
      }
    }
  });

  it("does not let anyone check a guess: the sealed setup, read as a server setup, and the sealed record, read as a record, verify no secret", async () => {
    await opaque.ready;
    const setup = await sealedSetup();
    const { record_sealed: record, credential_id: credentialId } = await sealedRecord();
    const identifiers = opaqueIdentifiers(issuerOf(server, TENANT), TENANT, "zoe");
    const client = opaque.client.startLogin({ password: SECRET });
    const startLogin = (serverSetup: string, registrationRecord: string | null) =>
      opaque.server.startLogin({
        serverSetup,
        registrationRecord,
        startLoginRequest: client.startLoginRequest,
        userIdentifier: credentialId,
        identifiers: { ...identifiers },
      });
    // The sealed bytes in every plausible reading: whole, or only the ciphertext after the header, IV and tag.
    const readings = (sealed: Buffer) => {
      const ciphertext = sealed.subarray(2 + (sealed[1] as number) + 12 + 16);
      return [sealed.toString("base64url"), sealed.toString("base64"), ciphertext.toString("base64url"), ciphertext.toString("latin1")];
    };
    // Read as a server setup, the sealed bytes are refused — or, now and then, accepted (a setup
    // is random bytes with a valid key pair in them, and the ciphertext's bytes sometimes make
    // one): then it is some other server's setup, with which even the client's own record and the
    // right secret give no KE3.
    const noGuessWith = (serverSetup: string, registrationRecord: string, what: string) => {
      let loginResponse: string;
      try {
        ({ loginResponse } = startLogin(serverSetup, registrationRecord));
      } catch (error) {
        assert.match(String(error), /serverSetup|registrationRecord/, `${what}: refused`);
        return;
      }
      const finished = opaque.client.finishLogin({
        clientLoginState: client.clientLoginState,
        loginResponse,
        password: SECRET,
        identifiers: { ...identifiers },
        keyStretching: LIGHT_STRETCHING,
      });
      assert.equal(finished, undefined, `${what}: accepted, it still verifies not even the right secret`);
    };
    for (const serverSetup of readings(setup)) noGuessWith(serverSetup, registrationRecord, "the sealed setup read as a setup");
    // With a setup of one's own (which does work), the sealed record is no record either. Random
    // bytes are sometimes accepted as one (OPAQUE reads a record's fields off the front, and a
    // random point is valid now and then: the ciphertext in base64url, about one time in
    // fourteen), so what is asserted is the property itself: even the right secret gets no KE3.
    const ownSetup = opaque.server.createSetup();
    assert.ok(startLogin(ownSetup, null).loginResponse);
    for (const sealedRecordReading of readings(record)) noGuessWith(ownSetup, sealedRecordReading, "the sealed record read as a record");
  });

  it("together with the KEK — and only then — opens, and lets a guess be checked: the KEK is the only missing piece", async () => {
    assert.ok(server.config.kek);
    const keyring = keyringOf(keyEncryptionKeyOf(Buffer.from(server.config.kek, "base64")));
    const serverSetup = open(keyring, await sealedSetup(), setupAad).toString("utf8");
    const { record_sealed: sealed, credential_id: credentialId } = await sealedRecord();
    const record = open(keyring, sealed, recordAad()).toString("utf8");
    assert.equal(record, registrationRecord, "the sealed record is the client's record");
    assert.equal(dump.escape.includes(serverSetup), false, "the setup itself is not in the database");
    assert.equal(dump.hex.includes(Buffer.from(serverSetup, "base64url").toString("hex")), false, "not even as raw bytes");

    await opaque.ready;
    const identifiers = opaqueIdentifiers(issuerOf(server, TENANT), TENANT, "zoe");
    const check = (guess: string) => {
      const client = opaque.client.startLogin({ password: guess });
      const { loginResponse } = opaque.server.startLogin({
        serverSetup,
        registrationRecord: record,
        startLoginRequest: client.startLoginRequest,
        userIdentifier: credentialId,
        identifiers: { ...identifiers },
      });
      return opaque.client.finishLogin({
        clientLoginState: client.clientLoginState,
        loginResponse,
        password: guess,
        identifiers: { ...identifiers },
        keyStretching: LIGHT_STRETCHING,
      });
    };
    assert.equal(check(WRONG_GUESS), undefined, "a wrong guess is told apart…");
    assert.ok(check(SECRET), "…from the right one, once the KEK is known");
  });
});
