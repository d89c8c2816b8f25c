// The DER encodings behind the tenant keys' self-signed certificates (src/crypto/der.ts, x509.ts),
// byte for byte against X.690's rules, and a certificate that needs the rarer forms (a long
// name, a time past 2049) as OpenSSL reads it.
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { bitString, certificateTime, objectIdentifier, octetString, sequence, unsignedInteger } from "../../src/crypto/der.js";
import { createSelfSignedRsaCertificate } from "../../src/crypto/x509.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("DER encodings", () => {
  it("encodes object identifiers with the first two arcs as one and the rest in base 128", () => {
    assert.equal(hex(objectIdentifier("1.2.840.113549.1.1.11")), "06092a864886f70d01010b");
    assert.equal(hex(objectIdentifier("2.5.29.19")), "0603551d13");
    assert.equal(hex(objectIdentifier("2.999.3")), "0603883703");
    assert.throws(() => objectIdentifier("1"), RangeError);
    assert.throws(() => objectIdentifier("1.x.3"), RangeError);
  });

  it("writes lengths short below 128 and long from there on", () => {
    assert.equal(hex(octetString(Buffer.alloc(127))).slice(0, 4), "047f");
    assert.equal(hex(octetString(Buffer.alloc(128))).slice(0, 6), "048180");
    assert.equal(hex(octetString(Buffer.alloc(300))).slice(0, 8), "0482012c");
    assert.equal(hex(sequence()), "3000");
  });

  it("writes non-negative integers in the fewest bytes, with a zero byte before a set top bit", () => {
    assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 0x7f]))), "02017f");
    assert.equal(hex(unsignedInteger(Buffer.from([0x80]))), "02020080");
    assert.equal(hex(unsignedInteger(Buffer.from([0, 0]))), "020100");
    assert.equal(hex(unsignedInteger(Buffer.from([0x01, 0x00]))), "02020100");
  });

  it("counts a bit string's unused bits in its last byte", () => {
    assert.equal(hex(bitString(Buffer.from([0x80]), 1)), "03020780");
    assert.equal(hex(bitString(Buffer.from([0xab, 0xcd]))), "030300abcd");
    assert.throws(() => bitString(Buffer.from([0x80]), 0), RangeError);
  });

  it("writes times as UTCTime through 2049 and GeneralizedTime from 2050, to the second", () => {
    assert.equal(certificateTime(new Date("2049-12-31T23:59:59.999Z")).toString("latin1"), "\x17\x0d491231235959Z");
    assert.equal(certificateTime(new Date("2050-01-01T00:00:00Z")).toString("latin1"), "\x18\x0f20500101000000Z");
    assert.throws(() => certificateTime(new Date("1949-12-31T23:59:59Z")), RangeError);
  });
});

describe("a self-signed certificate beyond 2049", () => {
  it("is read by OpenSSL with its GeneralizedTime, its long name and its own signature", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const commonName = `svault tenant ${"ä".repeat(100)}`; // a name longer than 127 bytes
    const now = new Date("2045-06-01T12:34:56Z");
    const der = createSelfSignedRsaCertificate({
      commonName,
      privateKeyPkcs8: privateKey.export({ type: "pkcs8", format: "der" }),
      publicKeySpki: publicKey.export({ type: "spki", format: "der" }),
      now,
      validityDays: 3650,
    });
    const certificate = new X509Certificate(der);
    assert.equal(Date.parse(certificate.validTo), now.getTime() + 3650 * 24 * 3600 * 1000);
    assert.ok(Date.parse(certificate.validFrom) < now.getTime());
    assert.ok(certificate.subject.includes("svault tenant"));
    assert.equal(certificate.issuer, certificate.subject);
    assert.ok(certificate.verify(publicKey), "signed by its own key");
    assert.ok(certificate.checkPrivateKey(privateKey));
  });
});
