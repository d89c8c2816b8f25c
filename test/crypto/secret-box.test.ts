import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { keyEncryptionKeyOf, keyringOf, loadKeyring } from "../../src/crypto/key-encryption-key.js";
import { captureLogs } from "../support/log-capture.js";
import { needsReseal, open, reseal, SecretBoxError, type SecretBoxErrorReason, seal } from "../../src/crypto/secret-box.js";

const newKek = () => keyEncryptionKeyOf(randomBytes(32));
const secret = Buffer.from("-----a private key, say-----");

function rejectsWith(reason: SecretBoxErrorReason, action: () => unknown): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof SecretBoxError, `expected a SecretBoxError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe("secret box", () => {
  const keyring = keyringOf(newKek());

  it("round-trips, with a fresh IV each time", () => {
    const a = seal(keyring, secret, "tenant-key:abc");
    const b = seal(keyring, secret, "tenant-key:abc");
    assert.notDeepEqual(a, b);
    assert.ok(!a.includes(secret), "the plaintext does not appear in the sealed value");
    assert.deepEqual(open(keyring, a, "tenant-key:abc"), secret);
    assert.deepEqual(open(keyring, new Uint8Array(b), "tenant-key:abc"), secret);
    assert.deepEqual(open(keyring, seal(keyring, new Uint8Array(0), "x"), "x"), Buffer.alloc(0));
  });

  it("is self-describing: version 1, then the KEK id", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    assert.equal(sealed[0], 1);
    assert.equal(sealed.subarray(2, 2 + (sealed[1] ?? 0)).toString("ascii"), keyring.current.id);
    assert.equal(sealed.length, 2 + keyring.current.id.length + 12 + 16 + secret.length);
  });

  it("rejects a ciphertext moved to another record (wrong AAD)", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    rejectsWith("AUTHENTICATION_FAILED", () => open(keyring, sealed, "tenant-key:abd"));
    rejectsWith("AUTHENTICATION_FAILED", () => open(keyring, sealed, "tenant-key:abc "));
  });

  it("requires associated data", () => {
    assert.throws(() => seal(keyring, secret, ""), TypeError);
    assert.throws(() => open(keyring, seal(keyring, secret, "a"), ""), TypeError);
  });

  it("rejects every single flipped byte of the IV, tag and ciphertext", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    const bodyStart = 2 + keyring.current.id.length;
    for (let i = bodyStart; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      rejectsWith("AUTHENTICATION_FAILED", () => open(keyring, tampered, "tenant-key:abc"));
    }
  });

  it("rejects a tampered header, truncation and unknown versions", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    const otherId = Buffer.from(sealed);
    otherId[2] = (otherId[2] ?? 0) ^ 0x01;
    rejectsWith("UNKNOWN_KEK", () => open(keyring, otherId, "tenant-key:abc"));
    const version2 = Buffer.from(sealed);
    version2[0] = 2;
    rejectsWith("UNSUPPORTED_VERSION", () => open(keyring, version2, "tenant-key:abc"));
    rejectsWith("MALFORMED", () => open(keyring, sealed.subarray(0, 2 + keyring.current.id.length + 27), "tenant-key:abc"));
    rejectsWith("MALFORMED", () => open(keyring, Buffer.from([1]), "tenant-key:abc"));
    rejectsWith("MALFORMED", () => open(keyring, Buffer.from([1, 0, ...randomBytes(40)]), "tenant-key:abc"));
    // Dropping one byte of ciphertext still parses, but no longer authenticates.
    rejectsWith("AUTHENTICATION_FAILED", () => open(keyring, sealed.subarray(0, sealed.length - 1), "tenant-key:abc"));
  });

  it("rejects a value sealed under a KEK that is not in the keyring", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    rejectsWith("UNKNOWN_KEK", () => open(keyringOf(newKek()), sealed, "tenant-key:abc"));
  });

  it("rejects a wrong KEK even when it claims the right id", () => {
    const sealed = seal(keyring, secret, "tenant-key:abc");
    const impostor = keyringOf({ key: randomBytes(32), id: keyring.current.id });
    rejectsWith("AUTHENTICATION_FAILED", () => open(impostor, sealed, "tenant-key:abc"));
  });

  it("opens with a previous KEK after rotation and reports that a re-seal is due", () => {
    const oldKek = newKek();
    const before = keyringOf(oldKek);
    const sealed = seal(before, secret, "tenant-key:abc");
    assert.equal(needsReseal(before, sealed), false);

    const after = keyringOf(newKek(), [oldKek]);
    assert.equal(needsReseal(after, sealed), true);
    assert.deepEqual(open(after, sealed, "tenant-key:abc"), secret);

    const resealed = reseal(after, sealed, "tenant-key:abc");
    assert.equal(needsReseal(after, resealed), false);
    // Once re-sealed, the old KEK can be dropped.
    assert.deepEqual(open(keyringOf(after.current), resealed, "tenant-key:abc"), secret);
    rejectsWith("UNKNOWN_KEK", () => open(keyringOf(after.current), sealed, "tenant-key:abc"));
    // Previous KEKs never seal.
    assert.equal(needsReseal(after, seal(after, secret, "x")), false);
  });
});

describe("keyring", () => {
  it("drops a previous KEK that is the current one or listed twice", () => {
    const current = newKek();
    const old = newKek();
    const keyring = keyringOf(current, [current, old, keyEncryptionKeyOf(Buffer.from(old.key))]);
    assert.deepEqual(
      keyring.previous.map((kek) => kek.id),
      [old.id],
    );
  });

  it("refuses two different keys with the same id", () => {
    const current = newKek();
    assert.throws(() => keyringOf(current, [{ key: randomBytes(32), id: current.id }]), /share the id/);
  });

  it("loads the current KEK and the previous ones from configuration", () => {
    const current = randomBytes(32);
    const old = randomBytes(32);
    const logs = captureLogs();
    const keyring = loadKeyring(current.toString("base64"), [old.toString("base64")], "/nonexistent", logs.logger);
    assert.equal(keyring.current.id, keyEncryptionKeyOf(current).id);
    assert.deepEqual(
      keyring.previous.map((kek) => kek.id),
      [keyEncryptionKeyOf(old).id],
    );
    assert.deepEqual(logs.lines, [], "a configured KEK logs nothing");
    assert.throws(() => loadKeyring(current.toString("base64"), ["c2hvcnQ="], "/nonexistent", logs.logger), /32 bytes/);
  });
});
