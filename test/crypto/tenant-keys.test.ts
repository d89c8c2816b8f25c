import assert from "node:assert/strict";
import { createPublicKey, type JsonWebKey, X509Certificate } from "node:crypto";
import { before, describe, it } from "node:test";
import { CompactEncrypt, calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from "jose";
import {
  type GeneratedTenantKey,
  generateTenantKey,
  generateTenantKeys,
  loadPrivateKey,
  TENANT_KEY_ALGS,
  type TenantKeyAlg,
} from "../../src/crypto/tenant-keys.js";

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];
const tenantId = "8f0a4c1e-2b7d-4e55-9c3a-0d6f1e2a3b4c";

describe("tenant keys", () => {
  let keys: Record<TenantKeyAlg, GeneratedTenantKey>;

  before(async () => {
    const generated = await generateTenantKeys({ tenantId });
    assert.deepEqual(
      generated.map((key) => key.alg),
      [...TENANT_KEY_ALGS],
    );
    keys = Object.fromEntries(generated.map((key) => [key.alg, key])) as Record<TenantKeyAlg, GeneratedTenantKey>;
  });

  it("describes each key with a public JWK whose kid is its RFC 7638 thumbprint", async () => {
    const expected: Record<TenantKeyAlg, { kty: string; crv?: string; use: string }> = {
      EdDSA: { kty: "OKP", crv: "Ed25519", use: "sig" },
      RS256: { kty: "RSA", use: "sig" },
      "ECDH-ES": { kty: "OKP", crv: "X25519", use: "enc" },
    };
    for (const alg of TENANT_KEY_ALGS) {
      const key = keys[alg];
      const jwk = key.publicJwk;
      assert.equal(jwk.kty, expected[alg].kty, alg);
      assert.equal(jwk.crv, expected[alg].crv, alg);
      assert.equal(jwk.alg, alg);
      assert.equal(key.alg, alg);
      assert.equal(jwk.use, expected[alg].use, alg);
      assert.equal(key.use, expected[alg].use, alg);
      assert.equal(jwk.kid, key.kid);
      assert.equal(key.kid, await calculateJwkThumbprint(jwk, "sha256"));
      assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/);
      for (const member of PRIVATE_MEMBERS) assert.equal(member in jwk, false, `${alg} public JWK has no "${member}"`);
      assert.equal(createPublicKey({ key: { ...jwk } as JsonWebKey, format: "jwk" }).type, "public");
      assert.ok(Buffer.isBuffer(key.privateKeyPkcs8) && key.privateKeyPkcs8.length > 0);
      assert.equal("x5c" in jwk, alg === "RS256", `${alg} x5c`);
      assert.equal(key.certificateDer !== undefined, alg === "RS256", `${alg} certificate`);
    }
    assert.equal(keys.RS256.publicJwk.e, "AQAB");
    assert.equal(Buffer.from(keys.RS256.publicJwk.n ?? "", "base64url").length, 256, "RSA-2048");
  });

  it("gives every key a distinct kid", async () => {
    const again = await generateTenantKey("EdDSA", { tenantId });
    assert.notEqual(again.kid, keys.EdDSA.kid);
  });

  for (const alg of ["EdDSA", "RS256"] as const) {
    it(`signs ${alg} tokens with the loaded private key that verify against the public JWK`, async () => {
      const key = keys[alg];
      const privateKey = loadPrivateKey(key.privateKeyPkcs8, alg);
      assert.equal(privateKey.type, "private");
      const token = await new SignJWT({ sub: "user-1" })
        .setProtectedHeader({ alg, kid: key.kid, typ: "JWT" })
        .setIssuer("https://idp.example/t")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      assert.equal(decodeProtectedHeader(token).kid, key.kid);
      const { payload, protectedHeader } = await jwtVerify(token, await importJWK(key.publicJwk, alg), {
        issuer: "https://idp.example/t",
        algorithms: [alg],
      });
      assert.equal(payload.sub, "user-1");
      assert.equal(protectedHeader.alg, alg);
      // The bare JWK (as a JWKS would serve it) works too.
      await jwtVerify(token, key.publicJwk, { algorithms: [alg] });
      // And a different key of the same algorithm does not.
      const other = await generateTenantKey(alg, { tenantId });
      await assert.rejects(jwtVerify(token, other.publicJwk, { algorithms: [alg] }), { code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
    });
  }

  it("publishes the RSA key in a self-signed, currently valid X.509 certificate (x5c)", () => {
    const key = keys.RS256;
    const x5c = key.publicJwk.x5c;
    assert.ok(Array.isArray(x5c) && x5c.length === 1);
    const der = Buffer.from(x5c[0] ?? "", "base64");
    assert.equal(der.toString("base64"), x5c[0], "standard (not URL-safe) base64, RFC 7517 §4.7");
    assert.deepEqual(der, key.certificateDer);

    const certificate = new X509Certificate(der);
    assert.equal(certificate.subject, `CN=svault tenant ${tenantId}`);
    assert.equal(certificate.issuer, certificate.subject);
    assert.ok(certificate.verify(certificate.publicKey), "signed by its own key");
    // Not checkIssued(): OpenSSL only calls a certificate an issuer if its key usage allows
    // keyCertSign, and this one is (correctly) limited to digitalSignature.
    assert.equal(certificate.ca, false);
    assert.deepEqual(
      certificate.publicKey.export({ format: "jwk" }),
      { kty: "RSA", n: key.publicJwk.n, e: key.publicJwk.e },
      "the certificate carries the JWK's key",
    );
    assert.ok(certificate.checkPrivateKey(loadPrivateKey(key.privateKeyPkcs8, "RS256")));

    const now = Date.now();
    const validFrom = Date.parse(certificate.validFrom);
    const validTo = Date.parse(certificate.validTo);
    assert.ok(validFrom <= now && now < validTo, "valid now");
    const years = (validTo - now) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `about ten years, got ${years}`);
    assert.match(certificate.serialNumber, /^[0-9A-F]+$/);
  });

  it("signs the certificate with SHA-256 with RSA and honours a configured validity", async () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const key = await generateTenantKey("RS256", { tenantId: "t, with+specials=", now, certificateValidityDays: 30 });
    const certificate = new X509Certificate(key.certificateDer ?? Buffer.alloc(0));
    assert.equal(Date.parse(certificate.validTo), now.getTime() + 30 * 24 * 3600 * 1000);
    assert.ok(Date.parse(certificate.validFrom) <= now.getTime());
    assert.equal(certificate.subject, "CN=svault tenant t\\, with\\+specials=", "the value is taken verbatim, not parsed as a DN");
    // sha256WithRSAEncryption (1.2.840.113549.1.1.11), DER-encoded, appears in the certificate.
    assert.ok(certificate.raw.includes(Buffer.from("06092a864886f70d01010b", "hex")));
  });

  it("decrypts a JWE (ECDH-ES + A256GCM) made to the X25519 public JWK with the loaded private key", async () => {
    const key = keys["ECDH-ES"];
    const message = new TextEncoder().encode("a secret for the tenant");
    const jwe = await new CompactEncrypt(message)
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", kid: key.kid })
      .encrypt(await importJWK(key.publicJwk, "ECDH-ES"));
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, loadPrivateKey(key.privateKeyPkcs8, "ECDH-ES"));
    assert.deepEqual(Buffer.from(plaintext), Buffer.from(message));
    assert.equal(protectedHeader.kid, key.kid);
    assert.equal(protectedHeader.enc, "A256GCM");
  });

  it("refuses to load a private key for the wrong algorithm", () => {
    assert.throws(() => loadPrivateKey(keys.EdDSA.privateKeyPkcs8, "RS256"), /must be rsa/);
    assert.throws(() => loadPrivateKey(keys.RS256.privateKeyPkcs8, "EdDSA"), /must be ed25519/);
    assert.throws(() => loadPrivateKey(keys.EdDSA.privateKeyPkcs8, "ECDH-ES"), /must be x25519/);
    assert.throws(() => loadPrivateKey(Buffer.from("not a key"), "EdDSA"));
  });
});
