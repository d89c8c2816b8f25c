// Face templates at rest: sealed with the KEK, bound to tenant, user and template id.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { keyEncryptionKeyOf, keyringOf } from "../../src/crypto/key-encryption-key.js";
import { SecretBoxError, type SecretBoxErrorReason, seal } from "../../src/crypto/secret-box.js";
import { compareFace, EMBEDDING_LENGTH, embeddingToBytes } from "../../src/biometrics/face-embedding.js";
import { openTemplate, sealTemplate, templateAad } from "../../src/biometrics/face-templates.js";

const keyring = keyringOf(keyEncryptionKeyOf(randomBytes(32)));
const embedding = Float32Array.from({ length: EMBEDDING_LENGTH }, (_, i) => Math.sin(i) / 10);

function rejectsWith(reason: SecretBoxErrorReason, action: () => unknown): void {
  assert.throws(action, (error: unknown) => error instanceof SecretBoxError && error.reason === reason);
}

describe("face templates", () => {
  it("round-trip sealed, never in clear", () => {
    const sealed = sealTemplate(keyring, "acme", "user-1", "tpl-1", embedding);
    assert.ok(!sealed.includes(embeddingToBytes(embedding).subarray(0, 16)), "the embedding's bytes do not appear in the sealed value");
    const opened = openTemplate(keyring, "acme", "user-1", "tpl-1", sealed);
    assert.deepEqual(opened, embedding);
    assert.equal(compareFace(opened, embedding, 0.5).distance, 0);
  });

  it("fail with another KEK, and when moved to another tenant, user or template", () => {
    const sealed = sealTemplate(keyring, "acme", "user-1", "tpl-1", embedding);
    const otherKek = keyringOf(keyEncryptionKeyOf(randomBytes(32)));
    rejectsWith("UNKNOWN_KEK", () => openTemplate(otherKek, "acme", "user-1", "tpl-1", sealed));
    // The same KEK id with another key (a wrong SVAULT_KEK_PREVIOUS entry cannot be told apart otherwise).
    const impostor = { current: { id: keyring.current.id, key: randomBytes(32) }, previous: [] };
    rejectsWith("AUTHENTICATION_FAILED", () => openTemplate(impostor, "acme", "user-1", "tpl-1", sealed));
    rejectsWith("AUTHENTICATION_FAILED", () => openTemplate(keyring, "other", "user-1", "tpl-1", sealed));
    rejectsWith("AUTHENTICATION_FAILED", () => openTemplate(keyring, "acme", "user-2", "tpl-1", sealed));
    rejectsWith("AUTHENTICATION_FAILED", () => openTemplate(keyring, "acme", "user-1", "tpl-2", sealed));
  });

  it("refuse a sealed value that is not a template, and embeddings that are not 128 finite numbers", () => {
    const notATemplate = seal(keyring, Buffer.from("hello"), templateAad("acme", "user-1", "tpl-1"));
    rejectsWith("MALFORMED", () => openTemplate(keyring, "acme", "user-1", "tpl-1", notATemplate));
    assert.throws(() => sealTemplate(keyring, "acme", "u", "t", new Float32Array(127)), TypeError);
    assert.throws(() => sealTemplate(keyring, "acme", "u", "t", new Float32Array(128).fill(Number.NaN)), TypeError);
  });
});
