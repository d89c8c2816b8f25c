// The small wire formats: challenge_data, cipherKey, the commitment's plaintext and its JWE.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose";
import {
  base64urlToBytes,
  bytesToBase64url,
  isBase64url,
  portableBase64urlToBytes,
  portableBytesToBase64url,
} from "../../src/sdk/base64url.js";
import {
  decodeChallengeData,
  decodeCommitmentPayload,
  encodeChallengeData,
  encodeCommitmentPayload,
  loginCipherKey,
  parseCipherKey,
  registerCipherKey,
  WireFormatError,
} from "../../src/sdk/challenge-data.js";
import { encryptCommitment, selectEncryptionKey } from "../../src/sdk/commitment.js";

const b64 = (json: unknown) => Buffer.from(JSON.stringify(json)).toString("base64url");

describe("base64url", () => {
  it("matches Node's base64url, without padding, both ways", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) % 256);
      const text = bytesToBase64url(bytes);
      assert.equal(text, Buffer.from(bytes).toString("base64url"));
      assert.deepEqual(base64urlToBytes(text), bytes);
    }
    assert.throws(() => base64urlToBytes("ab+c"), TypeError);
    assert.throws(() => base64urlToBytes("abc="), TypeError);
    assert.throws(() => base64urlToBytes("abcde"), TypeError);
    assert.equal(isBase64url(""), false);
    assert.equal(isBase64url("AQID"), true);
  });

  it("gives the same text on the browser's path (btoa/atob) as on Node's Buffer", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 53 + 3 * n) % 256);
      const text = portableBytesToBase64url(bytes);
      assert.equal(text, Buffer.from(bytes).toString("base64url"));
      assert.deepEqual(portableBase64urlToBytes(text), bytes);
    }
  });

  it("encodes only the view it is given, not the rest of its buffer", () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const view = whole.subarray(2, 5);
    assert.equal(bytesToBase64url(view), Buffer.from([3, 4, 5]).toString("base64url"));
    assert.equal(portableBytesToBase64url(view), Buffer.from([3, 4, 5]).toString("base64url"));
  });
});

describe("challenge_data", () => {
  it("round-trips a login answer as base64url of the documented JSON", () => {
    const data = { v: 1, kind: "login", challenge_id: "ch-1", login_response: "S0Uy_-" } as const;
    const encoded = encodeChallengeData(data);
    assert.ok(!encoded.includes("=") && !encoded.includes("+") && !encoded.includes("/"));
    assert.equal(Buffer.from(encoded, "base64url").toString(), '{"v":1,"kind":"login","challenge_id":"ch-1","login_response":"S0Uy_-"}');
    assert.deepEqual(decodeChallengeData(encoded), data);
    assert.deepEqual(decodeChallengeData(encoded, "login"), data);
  });

  it("round-trips a register answer", () => {
    const data = { v: 1, kind: "register", challenge_id: "ch-2", registration_response: "UmVnUmVz" } as const;
    const encoded = encodeChallengeData(data);
    assert.equal(
      Buffer.from(encoded, "base64url").toString(),
      '{"v":1,"kind":"register","challenge_id":"ch-2","registration_response":"UmVnUmVz"}',
    );
    assert.deepEqual(decodeChallengeData(encoded, "register"), data);
  });

  it("ignores unknown members", () => {
    const decoded = decodeChallengeData(b64({ v: 1, kind: "login", challenge_id: "x", login_response: "AA", extra: true }));
    assert.deepEqual(decoded, { v: 1, kind: "login", challenge_id: "x", login_response: "AA" });
  });

  it("refuses anything malformed", () => {
    const bad = [
      "not base64url!",
      Buffer.from("not json").toString("base64url"),
      b64([1, 2]),
      b64({ v: 2, kind: "login", challenge_id: "x", login_response: "AA" }),
      b64({ v: 1, kind: "other", challenge_id: "x", login_response: "AA" }),
      b64({ v: 1, kind: "login", challenge_id: "", login_response: "AA" }),
      b64({ v: 1, kind: "login", challenge_id: "x" }),
      b64({ v: 1, kind: "login", challenge_id: "x", login_response: "A+A=" }),
      b64({ v: 1, kind: "register", challenge_id: "x", login_response: "AA" }),
      Buffer.from([0xff, 0xfe]).toString("base64url"),
    ];
    for (const encoded of bad) assert.throws(() => decodeChallengeData(encoded), WireFormatError, encoded);
    const login = encodeChallengeData({ v: 1, kind: "login", challenge_id: "x", login_response: "AA" });
    assert.throws(() => decodeChallengeData(login, "register"), /expected a register challenge/);
  });
});

describe("cipherKey", () => {
  it("prefixes and splits", () => {
    assert.equal(loginCipherKey("KE1"), "login:KE1");
    assert.equal(registerCipherKey("Req"), "register:Req");
    assert.deepEqual(parseCipherKey("login:KE1_-A"), { kind: "login", message: "KE1_-A" });
    assert.deepEqual(parseCipherKey("register:Req"), { kind: "register", message: "Req" });
    for (const bad of ["KE1", "login:", "Login:KE1", "register:a+b", "login: KE1"])
      assert.throws(() => parseCipherKey(bad), WireFormatError, bad);
  });
});

describe("encrypted_commitment", () => {
  it("round-trips the plaintext", () => {
    const bytes = encodeCommitmentPayload({ challenge_id: "ch", registration_record: "UmVj" });
    assert.equal(Buffer.from(bytes).toString(), '{"challenge_id":"ch","registration_record":"UmVj"}');
    assert.deepEqual(decodeCommitmentPayload(bytes), { challenge_id: "ch", registration_record: "UmVj" });
    for (const bad of [
      "[]",
      "{",
      '{"challenge_id":"ch"}',
      '{"challenge_id":"","registration_record":"UmVj"}',
      '{"challenge_id":"c","registration_record":"U=="}',
    ]) {
      assert.throws(() => decodeCommitmentPayload(Buffer.from(bad)), WireFormatError, bad);
    }
  });

  it("is a compact JWE (ECDH-ES, A256GCM, kid) that the tenant's X25519 private key opens", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
    const encJwk: JWK = { ...(await exportJWK(publicKey)), kid: "enc-1", use: "enc", alg: "ECDH-ES" };
    const jwe = await encryptCommitment(encJwk, { challenge_id: "ch-9", registration_record: "UmVjb3Jk" });
    assert.equal(jwe.split(".").length, 5);
    assert.deepEqual({ ...decodeProtectedHeader(jwe), epk: undefined }, { alg: "ECDH-ES", enc: "A256GCM", kid: "enc-1", epk: undefined });
    const { plaintext } = await compactDecrypt(jwe, privateKey);
    assert.deepEqual(decodeCommitmentPayload(plaintext), { challenge_id: "ch-9", registration_record: "UmVjb3Jk" });
  });

  it("refuses keys that are not public X25519 encryption keys with a kid", async () => {
    const { publicKey } = await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
    const jwk = await exportJWK(publicKey);
    const payload = { challenge_id: "c", registration_record: "AA" };
    await assert.rejects(encryptCommitment(jwk, payload), /kid/);
    await assert.rejects(encryptCommitment({ ...jwk, kid: "k", use: "sig" }, payload), /X25519/);
    await assert.rejects(encryptCommitment({ ...jwk, kid: "k", crv: "Ed25519" }, payload), /X25519/);
  });

  it("selects the X25519 use:enc key of a JWKS", async () => {
    const enc = { kty: "OKP", crv: "X25519", x: "AA", kid: "e", use: "enc", alg: "ECDH-ES" };
    const sig = { kty: "OKP", crv: "Ed25519", x: "AA", kid: "s", use: "sig", alg: "EdDSA" };
    const rsa = { kty: "RSA", n: "AA", e: "AQAB", kid: "r", use: "sig", alg: "RS256" };
    assert.equal(selectEncryptionKey({ keys: [sig, rsa, enc] }), enc);
    assert.equal(
      selectEncryptionKey({ keys: [enc, { ...enc, kid: "older" }] }).kid,
      "e",
      "the first listed (the server lists the newest first)",
    );
    assert.throws(() => selectEncryptionKey({ keys: [sig, rsa] }), /no X25519 encryption key/);
    assert.throws(() => selectEncryptionKey({ keys: [{ ...enc, use: undefined }] }), /no X25519 encryption key/);
  });
});
