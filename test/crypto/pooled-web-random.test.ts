import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { poolWebCryptoRandom } from "../../src/crypto/pooled-web-random.js";

poolWebCryptoRandom();
poolWebCryptoRandom(); // idempotent: a second call wraps nothing twice

describe("the Web Crypto global's getRandomValues, served from the pool", () => {
  it("fills the array it is given, and returns it", () => {
    const array = new Uint8Array(32);
    assert.equal(globalThis.crypto.getRandomValues(array), array);
    assert.notDeepEqual(array, new Uint8Array(32));
  });

  it("never gives the same bytes twice", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) seen.add(Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString("hex"));
    assert.equal(seen.size, 5_000);
  });

  it("fills a view at its own offset only", () => {
    const backing = new Uint8Array(96);
    globalThis.crypto.getRandomValues(backing.subarray(32, 64));
    assert.deepEqual(backing.subarray(0, 32), new Uint8Array(32));
    assert.deepEqual(backing.subarray(64), new Uint8Array(32));
    assert.notDeepEqual(backing.subarray(32, 64), new Uint8Array(32));
  });

  it("looks uniformly random: every byte value occurs, none far too often", () => {
    const counts = new Array<number>(256).fill(0);
    const sample = 256 * 400;
    for (let i = 0; i < sample / 64; i++) {
      for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(64))) counts[byte] = (counts[byte] ?? 0) + 1;
    }
    // Expected 400 per value, standard deviation ≈ 20: 300–500 is beyond 5 σ either way.
    for (const count of counts) assert.ok(count > 300 && count < 500, `a byte value occurred ${count} times in ${sample}`);
  });

  it("leaves every other call to Node, with its checks and errors", () => {
    assert.notDeepEqual(globalThis.crypto.getRandomValues(new Uint8Array(4096)), new Uint8Array(4096), "larger arrays");
    assert.notDeepEqual(globalThis.crypto.getRandomValues(new Uint32Array(8)), new Uint32Array(8), "other integer arrays");
    assert.deepEqual(globalThis.crypto.getRandomValues(new Uint8Array(0)), new Uint8Array(0));
    assert.throws(() => globalThis.crypto.getRandomValues(new Float32Array(4) as never), { name: "TypeMismatchError" });
    assert.throws(() => globalThis.crypto.getRandomValues(new Uint8Array(65_537)), { name: "QuotaExceededError" });
  });
});
