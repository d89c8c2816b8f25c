// The provider's own JWTs signed and verified with node:crypto (src/domain/oidc/compact-jws.ts):
// what it signs, jose verifies; what it accepts is only a token of a published signing key of the
// token's algorithm, unaltered, meeting issuer, audience, type and time as jose's jwtVerify would.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { createLocalJWKSet, type JWK, jwtVerify, SignJWT } from "jose";
import { signJwt, verificationKeysOf, verifyJwt } from "../../../src/domain/oidc/compact-jws.js";

const ed = generateKeyPairSync("ed25519");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("ed25519");
const jwks: JWK[] = [
  { ...ed.publicKey.export({ format: "jwk" }), kid: "ed", alg: "EdDSA", use: "sig" },
  { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa", alg: "RS256", use: "sig" },
];
const keys = verificationKeysOf(jwks as Record<string, unknown>[]);
const now = Math.floor(Date.now() / 1000);
const claims = { iss: "https://idp/t", sub: "u", aud: "https://idp/t", iat: now, exp: now + 60, jti: "j" };
const expected = { issuer: "https://idp/t", audience: "https://idp/t", typ: "at+jwt", now };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("compact JWS", () => {
  it("signs EdDSA and RS256 tokens that jose verifies, and verifies them itself", async () => {
    for (const [alg, key] of [
      ["EdDSA", ed.privateKey],
      ["RS256", rsa.privateKey],
    ] as const) {
      const token = signJwt({ alg, kid: alg === "EdDSA" ? "ed" : "rsa", typ: "at+jwt" }, claims, key);
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: jwks }), {
        issuer: claims.iss,
        audience: claims.aud,
        typ: "at+jwt",
      });
      assert.deepEqual(payload, claims);
      assert.deepEqual(verifyJwt(token, keys, expected)?.claims, claims);
    }
  });

  it("verifies what jose signs", async () => {
    const token = await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: "ed", typ: "at+jwt" }).sign(ed.privateKey);
    assert.deepEqual(verifyJwt(token, keys, expected)?.claims, claims);
  });

  it("refuses altered, foreign, mislabelled and malformed tokens", () => {
    const token = signJwt({ alg: "EdDSA", kid: "ed", typ: "at+jwt" }, claims, ed.privateKey);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const refused = (text: string, why: string) => assert.equal(verifyJwt(text, keys, expected), undefined, why);
    refused(`${header}.${b64({ ...claims, sub: "admin" })}.${signature}`, "changed claims");
    refused(`${header}.${payload}.${signature}x`, "a stray character in the signature");
    refused(`${header}.${payload}.`, "no signature");
    refused(signJwt({ alg: "EdDSA", kid: "ed", typ: "at+jwt" }, claims, other.privateKey), "another key under a published kid");
    refused(signJwt({ alg: "EdDSA", kid: "gone", typ: "at+jwt" }, claims, ed.privateKey), "an unpublished kid");
    refused(signJwt({ alg: "RS256", kid: "ed", typ: "at+jwt" }, claims, rsa.privateKey), "an algorithm that is not the key's");
    refused(`${b64({ alg: "none", kid: "ed" })}.${payload}.`, "alg none");
    refused(signJwt({ alg: "EdDSA", kid: "ed", typ: "at+jwt", crit: ["exp"] }, claims, ed.privateKey), "crit");
    refused("a.b", "not three parts");
    refused("e30.e30.e30", "no kid");
  });

  it("judges issuer, audience, type and time", () => {
    const sign = (extra: object, typ = "at+jwt") => signJwt({ alg: "EdDSA", kid: "ed", typ }, { ...claims, ...extra }, ed.privateKey);
    assert.equal(verifyJwt(sign({ iss: "https://idp/other" }), keys, expected), undefined, "issuer");
    assert.equal(verifyJwt(sign({ aud: "https://api" }), keys, expected), undefined, "audience");
    assert.ok(verifyJwt(sign({ aud: ["https://api", claims.aud] }), keys, expected), "audience among several");
    assert.equal(verifyJwt(sign({}, "JWT"), keys, expected), undefined, "typ");
    assert.ok(verifyJwt(sign({}, "application/AT+JWT"), keys, expected), "typ as a media type, any case");
    assert.equal(verifyJwt(sign({ exp: now }), keys, expected), undefined, "expired at exp");
    assert.equal(verifyJwt(sign({ nbf: now + 10 }), keys, expected), undefined, "not yet valid");
    assert.equal(verifyJwt(sign({ iat: "yesterday" }), keys, expected), undefined, "iat not a number");
    assert.ok(verifyJwt(sign({ exp: now - 3600 }), keys, { issuer: claims.iss, now: 0 }), "an expired token when judged at 0 (a hint)");
  });
});
