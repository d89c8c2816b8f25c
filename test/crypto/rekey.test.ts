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
import { startTestServer, type TestServer } from "../support/test-server.js";

const run = promisify(execFile);
const oldKek = randomBytes(32).toString("base64");
const newKek = randomBytes(32).toString("base64");
let server: TestServer;

before(async () => {
  server = await startTestServer({ env: { SVAULT_KEK: oldKek } });
});
after(() => server.close());

async function sealedKeys() {
  return server.running.database.orm.em.fork().find(TenantKeyEntity, {}, { filters: { tenant: false } });
}

describe("npm run rekey", () => {
  it("re-seals every tenant key under the new KEK", async () => {
    const onlyNew = keyringOf(keyEncryptionKeyOf(Buffer.from(newKek, "base64")));
    const before = await sealedKeys();
    assert.equal(before.length, 3, "the default tenant's three keys");
    assert.throws(() => open(onlyNew, before[0]?.privateKeySealed ?? new Uint8Array(), `tenant-key:${before[0]?.id}`), SecretBoxError);

    const env = { ...process.env, DATABASE_URL: server.db.url, SVAULT_KEK: newKek, SVAULT_KEK_PREVIOUS: oldKek, LOG_LEVEL: "info" };
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/rekey.ts"], { env });
    assert.match(stdout, /"resealed":3/);

    for (const key of await sealedKeys()) {
      assert.ok(open(onlyNew, key.privateKeySealed, `tenant-key:${key.id}`).length > 0, `${key.alg} opens with the new KEK alone`);
    }
  });
});
