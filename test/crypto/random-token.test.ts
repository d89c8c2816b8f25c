import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomBuffer, randomToken } from "../../src/crypto/random-token.js";

describe("random tokens from the pooled CSPRNG", () => {
  it("gives base64url without padding of the requested number of bytes", () => {
    for (const bytes of [1, 16, 18, 24, 32, 64]) {
      const token = randomToken(bytes);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(token, "base64url").length, bytes);
    }
  });

  it("never repeats a value, across many refills of the pool", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomToken(16)); // ≈ 80 refills of 4 KiB
    assert.equal(seen.size, 20_000);
  });

  it("hands out a value that straddles the end of the pool from fresh bytes, not a short one", () => {
    for (let i = 0; i < 300; i++) assert.equal(randomBuffer(27).length, 27); // 27 does not divide 4096
  });

  it("gives buffers of their own: changing one does not change the next values", () => {
    const first = randomBuffer(32);
    const copy = Buffer.from(first);
    first.fill(0);
    const second = randomBuffer(32);
    assert.notDeepEqual(second, Buffer.alloc(32));
    assert.notDeepEqual(copy, second);
  });

  it("looks uniformly random: every byte value occurs, none far too often", () => {
    const counts = new Array<number>(256).fill(0);
    const sample = 256 * 400;
    for (let i = 0; i < sample / 64; i++) for (const byte of randomBuffer(64)) counts[byte] = (counts[byte] ?? 0) + 1;
    // Expected 400 per value, standard deviation ≈ 20: 300–500 is beyond 5 σ either way.
    for (const count of counts) assert.ok(count > 300 && count < 500, `a byte value occurred ${count} times in ${sample}`);
  });

  it("refuses lengths it cannot serve", () => {
    for (const bad of [0, -1, 1.5, 4097, Number.NaN]) assert.throws(() => randomToken(bad), RangeError);
  });
});
