// proto_version (login protocol §2): the two supported suites, parsing and formatting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatProtoVersion,
  isSupportedProtoVersion,
  parseProtoVersion,
  PROTO_VERSION_DEFAULT,
  PROTO_VERSION_LIGHT,
  SUPPORTED_PROTO_VERSIONS,
  UnsupportedProtoVersionError,
} from "../../src/sdk/proto-version.js";

describe("proto_version", () => {
  it("names the two supported suites", () => {
    assert.equal(PROTO_VERSION_DEFAULT, "opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1");
    assert.equal(PROTO_VERSION_LIGHT, "opaque-3dh/ristretto255-sha512/argon2id-m19456-t2-p1");
    assert.deepEqual(SUPPORTED_PROTO_VERSIONS, [PROTO_VERSION_DEFAULT, PROTO_VERSION_LIGHT]);
  });

  it("parses into @serenity-kit/opaque's keyStretching", () => {
    const parsed = parseProtoVersion(PROTO_VERSION_DEFAULT);
    assert.equal(parsed.value, PROTO_VERSION_DEFAULT);
    assert.equal(parsed.suite, "opaque-3dh/ristretto255-sha512");
    assert.deepEqual(parsed.argon2id, { memory: 65536, iterations: 3, parallelism: 1 });
    assert.deepEqual(parsed.keyStretching, { "argon2id-custom": { memory: 65536, iterations: 3, parallelism: 1 } });
    assert.deepEqual(parseProtoVersion(PROTO_VERSION_LIGHT).keyStretching, {
      "argon2id-custom": { memory: 19456, iterations: 2, parallelism: 1 },
    });
  });

  it("formats back to the same string", () => {
    for (const value of SUPPORTED_PROTO_VERSIONS) assert.equal(formatProtoVersion(parseProtoVersion(value).argon2id), value);
    assert.equal(
      formatProtoVersion({ memory: 262144, iterations: 4, parallelism: 2 }),
      "opaque-3dh/ristretto255-sha512/argon2id-m262144-t4-p2",
    );
    assert.throws(() => formatProtoVersion({ memory: 0, iterations: 3, parallelism: 1 }), RangeError);
    assert.throws(() => formatProtoVersion({ memory: 1.5, iterations: 3, parallelism: 1 }), RangeError);
  });

  it("refuses everything else with UnsupportedProtoVersionError", () => {
    for (const value of [
      "",
      "opaque-3dh/ristretto255-sha512/argon2id-m262144-t4-p2", // well-formed but not supported
      "opaque-3dh/ristretto255-sha512/argon2id-m065536-t3-p1", // not canonical
      "opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1 ",
      "OPAQUE-3DH/ristretto255-sha512/argon2id-m65536-t3-p1",
      "opaque-3dh/p256-sha256/argon2id-m65536-t3-p1",
      "opaque-3dh/ristretto255-sha512/scrypt-n32768-r8-p1",
    ]) {
      assert.throws(() => parseProtoVersion(value), UnsupportedProtoVersionError, JSON.stringify(value));
      assert.equal(isSupportedProtoVersion(value), false);
    }
    assert.equal(isSupportedProtoVersion(PROTO_VERSION_LIGHT), true);
  });
});
