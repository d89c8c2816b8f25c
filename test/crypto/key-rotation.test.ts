import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { type KeySchedule, keyState, planRotation, publishedKeys, signingKey } from "../../src/crypto/key-rotation.js";
import { generateTenantKey, loadPrivateKey, type TenantPublicJwk } from "../../src/crypto/tenant-keys.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const timing = { publishLeadMs: DAY, graceMs: 2 * DAY };
const t0 = new Date("2030-01-01T00:00:00Z");
const at = (offsetMs: number) => new Date(t0.getTime() + offsetMs);

interface Key extends KeySchedule {
  retireAt?: Date | undefined;
}

/** Applies a plan the way the persistence layer would. */
function rotate(keys: Key[], kid: string, alg: string, now: Date): Key[] {
  const plan = planRotation(keys, alg, now, timing);
  const retire = new Map(plan.retirements.map((r) => [r.kid, r.retireAt]));
  return [...keys.map((key) => (retire.has(key.kid) ? { ...key, retireAt: retire.get(key.kid) } : key)), { kid, ...plan.newKey }];
}

const kids = (keys: readonly KeySchedule[]) => keys.map((key) => key.kid);

describe("key rotation", () => {
  const initial: Key[] = [
    { kid: "ed-1", alg: "EdDSA", publishAt: t0, activateAt: t0 },
    { kid: "rs-1", alg: "RS256", publishAt: t0, activateAt: t0 },
  ];

  it("follows a rotation through its timeline: publish, activate, grace, retire", () => {
    const rotatedAt = at(10 * DAY);
    const keys = rotate(initial, "ed-2", "EdDSA", rotatedAt);
    const ed2 = keys.find((key) => key.kid === "ed-2");
    const ed1 = keys.find((key) => key.kid === "ed-1");
    assert.deepEqual(ed2?.publishAt, rotatedAt);
    assert.deepEqual(ed2?.activateAt, at(11 * DAY), "activates after the publish lead");
    assert.deepEqual(ed1?.retireAt, at(13 * DAY), "retires a grace period after its successor activates");
    assert.equal(keys.find((key) => key.kid === "rs-1")?.retireAt, undefined, "other algorithms are untouched");

    // Just before the rotation: only the old keys.
    assert.equal(signingKey(keys, "EdDSA", at(10 * DAY - 1))?.kid, "ed-1");
    assert.deepEqual(kids(publishedKeys(keys, at(10 * DAY - 1))).sort(), ["ed-1", "rs-1"]);

    // Published but not yet active: the old key still signs, both are in the JWKS.
    for (const now of [rotatedAt, at(10 * DAY + HOUR), at(11 * DAY - 1)]) {
      assert.equal(signingKey(keys, "EdDSA", now)?.kid, "ed-1", now.toISOString());
      assert.deepEqual(kids(publishedKeys(keys, now)).sort(), ["ed-1", "ed-2", "rs-1"], now.toISOString());
    }

    // From activation on the new key signs; the old one stays published through the grace period.
    for (const now of [at(11 * DAY), at(12 * DAY), at(13 * DAY - 1)]) {
      assert.equal(signingKey(keys, "EdDSA", now)?.kid, "ed-2", now.toISOString());
      assert.deepEqual(kids(publishedKeys(keys, now)).sort(), ["ed-1", "ed-2", "rs-1"], now.toISOString());
    }

    // From retireAt on the old key is gone.
    for (const now of [at(13 * DAY), at(400 * DAY)]) {
      assert.equal(signingKey(keys, "EdDSA", now)?.kid, "ed-2");
      assert.deepEqual(kids(publishedKeys(keys, now)).sort(), ["ed-2", "rs-1"]);
    }
    assert.equal(signingKey(keys, "RS256", at(400 * DAY))?.kid, "rs-1");
  });

  it("never signs with a key that is not published at that instant", () => {
    const keys = rotate(rotate(initial, "ed-2", "EdDSA", at(DAY)), "ed-3", "EdDSA", at(5 * DAY));
    for (let now = t0.getTime() - HOUR; now < t0.getTime() + 20 * DAY; now += HOUR / 2) {
      const signer = signingKey(keys, "EdDSA", new Date(now));
      if (now < t0.getTime()) {
        assert.equal(signer, undefined);
        continue;
      }
      assert.ok(signer, `a signer at ${new Date(now).toISOString()}`);
      assert.ok(publishedKeys(keys, new Date(now)).includes(signer));
    }
  });

  it("lists published keys newest activation first", () => {
    const keys = rotate(initial, "ed-2", "EdDSA", at(DAY));
    assert.deepEqual(kids(publishedKeys(keys, at(2 * DAY + 1))), ["ed-2", "ed-1", "rs-1"]);
  });

  it("withdraws a pending key at once when it is superseded, and keeps the signer published for the grace after its real successor", () => {
    const pending = rotate(initial, "ed-2", "EdDSA", at(DAY)); // ed-2 activates at 2 days, ed-1 retires at 4 days
    const plan = planRotation(pending, "EdDSA", at(DAY + HOUR), timing);
    assert.deepEqual(plan.newKey, { alg: "EdDSA", publishAt: at(DAY + HOUR), activateAt: at(2 * DAY + HOUR) });
    // ed-1 now signs until ed-3 activates (2 days + 1 hour), so it stays published 2 days after that.
    assert.deepEqual(plan.retirements, [
      { kid: "ed-1", retireAt: at(4 * DAY + HOUR) },
      { kid: "ed-2", retireAt: at(DAY + HOUR) },
    ]);

    const keys = rotate(pending, "ed-3", "EdDSA", at(DAY + HOUR));
    assert.deepEqual(kids(publishedKeys(keys, at(DAY + HOUR))).sort(), ["ed-1", "ed-3", "rs-1"]);
    assert.equal(signingKey(keys, "EdDSA", at(2 * DAY))?.kid, "ed-1", "the withdrawn key never signs");
    assert.equal(signingKey(keys, "EdDSA", at(2 * DAY + HOUR))?.kid, "ed-3");
    assert.ok(kids(publishedKeys(keys, at(4 * DAY + HOUR - 1))).includes("ed-1"), "ed-1 covers the grace after its last signature");
    assert.ok(!kids(publishedKeys(keys, at(4 * DAY + HOUR))).includes("ed-1"));
  });

  it("never shortens nor extends the retirement of a key an active successor already superseded", () => {
    const rotated = rotate(initial, "ed-2", "EdDSA", at(DAY)); // ed-2 active from 2 days, ed-1 retires at 4 days
    const plan = planRotation(rotated, "EdDSA", at(3 * DAY), timing);
    assert.deepEqual(plan.retirements, [{ kid: "ed-2", retireAt: at(6 * DAY) }], "ed-1 keeps its retirement; ed-2 signs until 4 days");
  });

  it("tells each key's state: scheduled, active, retiring, retired", () => {
    const keys = rotate(rotate(initial, "ed-2", "EdDSA", at(DAY)), "ed-3", "EdDSA", at(DAY + HOUR));
    const states = (now: Date) => Object.fromEntries(keys.map((key) => [key.kid, keyState(keys, key, now)]));
    assert.deepEqual(states(at(DAY + HOUR)), { "ed-1": "active", "rs-1": "active", "ed-2": "retired", "ed-3": "scheduled" });
    assert.deepEqual(states(at(2 * DAY + HOUR)), { "ed-1": "retiring", "rs-1": "active", "ed-2": "retired", "ed-3": "active" });
    assert.deepEqual(states(at(4 * DAY + HOUR)), { "ed-1": "retired", "rs-1": "active", "ed-2": "retired", "ed-3": "active" });
  });

  it("leaves already retired keys alone and retires every still-published active key", () => {
    const keys: Key[] = [
      { kid: "old", alg: "EdDSA", publishAt: t0, activateAt: t0, retireAt: at(DAY) },
      { kid: "a", alg: "EdDSA", publishAt: t0, activateAt: at(HOUR) },
      { kid: "b", alg: "EdDSA", publishAt: t0, activateAt: at(2 * HOUR), retireAt: at(100 * DAY) },
    ];
    const plan = planRotation(keys, "EdDSA", at(2 * DAY), { publishLeadMs: 0, graceMs: HOUR });
    assert.deepEqual(plan.newKey.activateAt, at(2 * DAY), "no lead: active at once");
    assert.deepEqual(plan.retirements, [
      { kid: "a", retireAt: at(2 * DAY + HOUR) },
      { kid: "b", retireAt: at(2 * DAY + HOUR) },
    ]);
  });

  it("has no signing key for an algorithm without an active key", () => {
    assert.equal(signingKey(initial, "ECDH-ES", at(DAY)), undefined);
    assert.equal(signingKey([{ kid: "x", alg: "EdDSA", publishAt: at(DAY), activateAt: t0 }], "EdDSA", t0), undefined, "unpublished");
    assert.equal(signingKey([{ kid: "x", alg: "EdDSA", publishAt: t0, activateAt: t0, retireAt: t0 }], "EdDSA", t0), undefined, "retired");
    assert.deepEqual(publishedKeys([], t0), []);
  });

  it("rejects negative or non-finite timings", () => {
    assert.throws(() => planRotation(initial, "EdDSA", t0, { publishLeadMs: -1, graceMs: 0 }), RangeError);
    assert.throws(() => planRotation(initial, "EdDSA", t0, { publishLeadMs: 0, graceMs: Number.NaN }), RangeError);
  });

  it("keeps every token verifiable against the JWKS until it expires, across a rotation", async () => {
    const tokenLifetime = HOUR;
    const [k1, k2] = await Promise.all([generateTenantKey("EdDSA", { tenantId: "t" }), generateTenantKey("EdDSA", { tenantId: "t" })]);
    const material = new Map([k1, k2].map((key) => [key.kid, key]));
    let keys: Key[] = [{ kid: k1.kid, alg: "EdDSA", publishAt: t0, activateAt: t0 }];
    const rotatedAt = at(DAY);
    const plan = planRotation(keys, "EdDSA", rotatedAt, { publishLeadMs: 10 * MINUTE, graceMs: tokenLifetime });
    keys = [
      ...keys.map((key) => ({ ...key, retireAt: plan.retirements.find((r) => r.kid === key.kid)?.retireAt })),
      { kid: k2.kid, ...plan.newKey },
    ];

    const issue = async (now: Date) => {
      const signer = signingKey(keys, "EdDSA", now);
      assert.ok(signer);
      const key = material.get(signer.kid);
      assert.ok(key);
      const iat = Math.floor(now.getTime() / 1000);
      const token = await new SignJWT({ sub: "u" })
        .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
        .setIssuedAt(iat)
        .setExpirationTime(iat + tokenLifetime / 1000)
        .sign(loadPrivateKey(key.privateKeyPkcs8, "EdDSA"));
      return { token, kid: key.kid };
    };
    const jwksAt = (now: Date) => ({ keys: publishedKeys(keys, now).map((key) => material.get(key.kid)?.publicJwk as TenantPublicJwk) });
    const verifiesAt = async (token: string, now: Date) => {
      try {
        await jwtVerify(token, createLocalJWKSet(jwksAt(now)), { currentDate: now });
        return true;
      } catch {
        return false;
      }
    };

    // The last token of the old key, issued just before the new key activates…
    const lastOld = await issue(at(DAY + 10 * MINUTE - 1000));
    assert.equal(lastOld.kid, k1.kid);
    // …verifies until it expires, while the new key already signs.
    const firstNew = await issue(at(DAY + 10 * MINUTE));
    assert.equal(firstNew.kid, k2.kid);
    assert.ok(await verifiesAt(lastOld.token, at(DAY + 10 * MINUTE + tokenLifetime - 2000)));
    assert.ok(await verifiesAt(firstNew.token, at(DAY + 10 * MINUTE + tokenLifetime - 2000)));
    // A verifier that fetched the JWKS while the new key was only published already knows it.
    const cachedJwks = createLocalJWKSet(jwksAt(rotatedAt));
    await jwtVerify(firstNew.token, cachedJwks, { currentDate: at(DAY + 10 * MINUTE) });
    // After retireAt the old key is no longer published: its tokens (already expired) fail.
    assert.deepEqual(
      jwksAt(at(DAY + 10 * MINUTE + tokenLifetime)).keys.map((key) => key.kid),
      [k2.kid],
    );
    assert.equal(await verifiesAt(lastOld.token, at(DAY + 10 * MINUTE + tokenLifetime)), false);
  });
});
