// KEK rotation end to end: secrets sealed under the old KEK are re-sealed by `npm run rekey`, after
// which the old KEK can be dropped.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { keyEncryptionKeyOf, keyringOf } from "../../src/crypto/key-encryption-key.js";
import { open, SecretBoxError } from "../../src/crypto/secret-box.js";
import { TenantKeyEntity } from "../../src/persistence/entities/tenant-key.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { RestTransport } from "../../src/sdk/rest-transport.js";
import { SvaultAuthClient } from "../../src/sdk/svault-auth-client.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const run = promisify(execFile);
const oldKek = randomBytes(32).toString("base64");
const newKek = randomBytes(32).toString("base64");
let server: TestServer;

before(async () => {
  server = await startTestServer({ env: { SVAULT_KEK: oldKek } });
  // A registered user gives the tenant an OPAQUE setup and the user a sealed record.
  await createTenant(server, "rekeyed", { register_enable: true, has_username_and_email: false });
  const client = new SvaultAuthClient({
    transport: new RestTransport({ baseUrl: server.baseUrl }),
    issuer: `${server.config.publicUrl}/rekeyed`,
    tenantId: "rekeyed",
  });
  await client.register({ username: "carol", secret: "pinpat/v1|PIN:482913", protoVersion: PROTO_VERSION_LIGHT });
});
after(() => server.close());

async function sealedKeys() {
  return server.running.database.orm.em.fork().find(TenantKeyEntity, {}, { filters: { tenant: false } });
}

describe("npm run rekey", () => {
  it("re-seals every tenant key, OPAQUE setup and user record under the new KEK", async () => {
    const onlyNew = keyringOf(keyEncryptionKeyOf(Buffer.from(newKek, "base64")));
    const before = await sealedKeys();
    assert.equal(before.length, 6, "two tenants' three keys");
    assert.throws(() => open(onlyNew, before[0]?.privateKeySealed ?? new Uint8Array(), `tenant-key:${before[0]?.id}`), SecretBoxError);

    const env = { ...process.env, DATABASE_URL: server.db.url, SVAULT_KEK: newKek, SVAULT_KEK_PREVIOUS: oldKek, LOG_LEVEL: "info" };
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/rekey.ts"], { env });
    assert.match(stdout, /"tenant_key":\{"resealed":6,"total":6\}/);
    assert.match(stdout, /"opaque_setup":\{"resealed":1,"total":1\}/);
    assert.match(stdout, /"user_credential":\{"resealed":1,"total":1\}/);

    for (const key of await sealedKeys()) {
      assert.ok(open(onlyNew, key.privateKeySealed, `tenant-key:${key.id}`).length > 0, `${key.alg} opens with the new KEK alone`);
    }
    const connection = server.running.database.orm.em.getConnection();
    const [setup] = (await connection.execute("select setup_sealed from opaque_setup where tenant_id = 'rekeyed'")) as {
      setup_sealed: Buffer;
    }[];
    assert.ok(open(onlyNew, setup?.setup_sealed ?? new Uint8Array(), "opaque-setup:rekeyed").length > 0);
    const [record] = (await connection.execute("select user_id, record_sealed from user_credential")) as {
      user_id: string;
      record_sealed: Buffer;
    }[];
    assert.ok(open(onlyNew, record?.record_sealed ?? new Uint8Array(), `opaque-record:rekeyed:${record?.user_id}`).length > 0);
  });
});
